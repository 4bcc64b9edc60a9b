package pme.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.crypto.ColumnDecryptionProperties;
import org.apache.parquet.crypto.ColumnEncryptionProperties;
import org.apache.parquet.crypto.DecryptionKeyRetriever;
import org.apache.parquet.crypto.DecryptionPropertiesFactory;
import org.apache.parquet.crypto.EncryptionPropertiesFactory;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.FileEncryptionProperties;
import org.apache.parquet.crypto.ParquetCipher;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.mocks.InMemoryKMS;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Batch driver of the parquet-java side of integration/test/java-interop.test.ts. Reads a JSON job
 * list on stdin and prints {"results": [...]} on stdout, one result per job (a failing job reports
 * its error and never stops the others). Jobs:
 *
 * <ul>
 *   <li>write: a file from JSON rows, with explicit keys (FileEncryptionProperties) or the key tools
 *       (PropertiesDrivenCryptoFactory + InMemoryKMS), V1 or V2 pages, bloom filters, page index;
 *   <li>read: every value as JSON, the file's encryption facts, per column chunk whether it has a bloom
 *       filter, a column index and an offset index, the page kinds, and bloom filter probes;
 *   <li>rotate: KeyToolkit.rotateMasterKeys on a folder (external key material), InMemoryKMS old to new keys.
 * </ul>
 *
 * <p>Crypto modes: "none", "explicit" (keys given), "kms" (key tools over InMemoryKMS, a key list) and
 * "vault" (key tools over parquet-java's sample VaultClient, a Vault/OpenBao address and token; the
 * transit engine at {@code <url>/v1/transit/} since the KMS instance id stays DEFAULT).
 *
 * Each KMS job names its own access token, so that KeyToolkit's per-token caches (KMS clients,
 * KEKs) never leak one job's master keys into another.
 */
public final class Main {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final HexFormat HEX = HexFormat.of();

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    System.setOut(System.err); // library chatter must not corrupt the JSON answer
    JsonNode jobs = MAPPER.readTree(System.in);
    ArrayNode results = JSON.arrayNode();
    for (JsonNode job : jobs) {
      ObjectNode result = JSON.objectNode();
      result.put("id", job.path("id").asText());
      try {
        switch (job.path("op").asText()) {
          case "write" -> write(job, result);
          case "read" -> read(job, result);
          case "rotate" -> rotate(job, result);
          default -> throw new IllegalArgumentException("unknown op " + job.path("op").asText());
        }
        result.put("ok", true);
      } catch (Throwable t) {
        result.removeAll();
        result.put("id", job.path("id").asText());
        result.put("ok", false);
        result.put("error_type", t.getClass().getName());
        StringBuilder message = new StringBuilder(String.valueOf(t.getMessage()));
        for (Throwable cause = t.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
          message.append(" <- ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        result.put("error", message.toString());
      }
      results.add(result);
    }
    ObjectNode answer = JSON.objectNode();
    answer.set("results", results);
    out.println(MAPPER.writeValueAsString(answer));
    out.flush();
  }

  // ------------------------------------------------------------------------------ configuration

  /** Local files without Hadoop's .crc side files (pme rewrites key material files in place). */
  private static Configuration baseConf() {
    Configuration conf = new Configuration();
    conf.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem");
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  /** The key tools' properties for a KMS job: PropertiesDrivenCryptoFactory over InMemoryKMS. */
  private static Configuration kmsConf(JsonNode kms) {
    Configuration conf = baseConf();
    conf.set("parquet.crypto.factory.class", "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    conf.set("parquet.encryption.kms.client.class", InMemoryKMS.class.getName());
    conf.set(InMemoryKMS.KEY_LIST_PROPERTY_NAME, kms.path("keyList").asText());
    if (kms.hasNonNull("newKeyList")) conf.set(InMemoryKMS.NEW_KEY_LIST_PROPERTY_NAME, kms.get("newKeyList").asText());
    conf.set("parquet.encryption.key.access.token", kms.path("token").asText());
    return conf;
  }

  /** The key tools' properties for a Vault job: PropertiesDrivenCryptoFactory over VaultClient. */
  private static Configuration vaultConf(JsonNode vault) {
    Configuration conf = baseConf();
    conf.set("parquet.crypto.factory.class", "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    conf.set("parquet.encryption.kms.client.class", "org.apache.parquet.crypto.keytools.samples.VaultClient");
    conf.set("parquet.encryption.kms.instance.url", vault.path("url").asText());
    conf.set("parquet.encryption.key.access.token", vault.path("token").asText());
    return conf;
  }

  /** The configuration of a key-tools job ("kms" or "vault"), or the base one. */
  private static Configuration toolsConf(JsonNode crypto) {
    return switch (crypto.path("mode").asText("none")) {
      case "kms" -> kmsConf(crypto);
      case "vault" -> vaultConf(crypto);
      default -> baseConf();
    };
  }

  private static byte[] hex(JsonNode node) {
    return HEX.parseHex(node.asText());
  }

  // ------------------------------------------------------------------------------------- write

  private static void write(JsonNode job, ObjectNode result) throws Exception {
    MessageType schema = MessageTypeParser.parseMessageType(job.path("schema").asText());
    Path path = new Path(job.path("file").asText());
    JsonNode crypto = job.path("crypto");
    Configuration conf = baseConf();
    FileEncryptionProperties encryption = null;
    switch (crypto.path("mode").asText("none")) {
      case "none" -> {}
      case "explicit" -> encryption = explicitEncryption(crypto);
      case "kms", "vault" -> {
        conf = toolsConf(crypto);
        if (crypto.hasNonNull("uniformKey")) conf.set("parquet.encryption.uniform.key", crypto.get("uniformKey").asText());
        if (crypto.hasNonNull("footerKey")) conf.set("parquet.encryption.footer.key", crypto.get("footerKey").asText());
        if (crypto.hasNonNull("columnKeys")) conf.set("parquet.encryption.column.keys", crypto.get("columnKeys").asText());
        conf.setBoolean("parquet.encryption.complete.columns", crypto.path("completeColumns").asBoolean(false));
        conf.setBoolean("parquet.encryption.plaintext.footer", crypto.path("plaintextFooter").asBoolean(false));
        conf.set("parquet.encryption.algorithm", crypto.path("algorithm").asText("AES_GCM_V1"));
        conf.setBoolean("parquet.encryption.double.wrapping", crypto.path("doubleWrapping").asBoolean(true));
        conf.setBoolean("parquet.encryption.key.material.store.internally", crypto.path("internal").asBoolean(true));
        conf.setInt("parquet.encryption.data.key.length.bits", crypto.path("dataKeyBits").asInt(128));
        encryption = EncryptionPropertiesFactory.loadFactory(conf).getFileEncryptionProperties(conf, path, null);
      }
      default -> throw new IllegalArgumentException("unknown crypto mode " + crypto.path("mode").asText());
    }

    JsonNode w = job.path("writer");
    ExampleParquetWriter.Builder builder = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(path, conf))
        .withConf(conf)
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.valueOf(w.path("codec").asText("SNAPPY")))
        .withWriterVersion(
            "v2".equals(w.path("pages").asText("v1")) ? WriterVersion.PARQUET_2_0 : WriterVersion.PARQUET_1_0)
        .withDictionaryEncoding(w.path("dictionary").asBoolean(true))
        .withPageSize(w.path("pageSize").asInt(1024 * 1024))
        .withRowGroupSize((long) w.path("rowGroupSize").asInt(128 * 1024 * 1024))
        .withPageWriteChecksumEnabled(w.path("checksums").asBoolean(false));
    if (w.hasNonNull("pageRowCountLimit")) builder.withPageRowCountLimit(w.get("pageRowCountLimit").asInt());
    if (w.hasNonNull("rowGroupRowCountLimit")) builder.withRowGroupRowCountLimit(w.get("rowGroupRowCountLimit").asInt());
    for (JsonNode column : w.path("bloomFilters")) builder.withBloomFilterEnabled(column.asText(), true);
    if (encryption != null) builder.withEncryption(encryption);

    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    int rows = 0;
    try (ParquetWriter<Group> writer = builder.build()) {
      for (JsonNode row : job.path("rows")) {
        Group group = groups.newGroup();
        for (Type field : schema.getFields()) addField(group, field, row.get(field.getName()));
        writer.write(group);
        rows++;
      }
    }
    result.put("rows", rows);
  }

  private static FileEncryptionProperties explicitEncryption(JsonNode crypto) {
    FileEncryptionProperties.Builder builder = FileEncryptionProperties.builder(hex(crypto.path("footerKey")))
        .withAlgorithm(ParquetCipher.valueOf(crypto.path("algorithm").asText("AES_GCM_V1")));
    if (crypto.hasNonNull("footerKeyMetadata")) {
      builder.withFooterKeyMetadata(crypto.get("footerKeyMetadata").asText().getBytes(StandardCharsets.UTF_8));
    }
    Map<ColumnPath, ColumnEncryptionProperties> columns = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = crypto.path("columnKeys").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      // builder(String) makes a one-element path ("person.age" as a single name): nested columns need
      // the dot-split ColumnPath, or the footer's path_in_schema is unreadable even by parquet-java.
      ColumnPath columnPath = ColumnPath.fromDotString(e.getKey());
      ColumnEncryptionProperties.Builder column = ColumnEncryptionProperties.builder(columnPath)
          .withKey(hex(e.getValue().path("key")));
      if (e.getValue().hasNonNull("keyMetadata")) {
        column.withKeyMetaData(e.getValue().get("keyMetadata").asText().getBytes(StandardCharsets.UTF_8));
      }
      columns.put(columnPath, column.build());
    }
    if (!columns.isEmpty()) builder.withEncryptedColumns(columns);
    if (crypto.path("completeColumns").asBoolean(false)) builder.withCompleteColumnEncryption();
    if (crypto.path("plaintextFooter").asBoolean(false)) builder.withPlaintextFooter();
    if (crypto.hasNonNull("aadPrefix")) {
      builder.withAADPrefix(hex(crypto.get("aadPrefix")));
      if (!crypto.path("storeAadPrefix").asBoolean(true)) builder.withoutAADPrefixStorage();
    }
    return builder.build();
  }

  /** Adds one field's JSON value (read_plain.py's form: INT64 as strings, maps as pairs) to a group. */
  private static void addField(Group group, Type type, JsonNode value) {
    if (value == null || value.isNull()) return;
    String name = type.getName();
    if (type.isPrimitive()) {
      switch (type.asPrimitiveType().getPrimitiveTypeName()) {
        case INT32 -> group.add(name, value.asInt());
        case INT64 -> group.add(name, Long.parseLong(value.asText()));
        case DOUBLE -> group.add(name, value.isTextual() ? Double.parseDouble(value.asText()) : value.asDouble());
        case FLOAT -> group.add(name, (float) (value.isTextual() ? Double.parseDouble(value.asText()) : value.asDouble()));
        case BOOLEAN -> group.add(name, value.asBoolean());
        case BINARY -> group.add(name, Binary.fromString(value.asText()));
        default -> throw new IllegalArgumentException("unsupported type " + type);
      }
      return;
    }
    GroupType groupType = type.asGroupType();
    LogicalTypeAnnotation logical = groupType.getLogicalTypeAnnotation();
    Group child = group.addGroup(name);
    if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
      GroupType repeated = groupType.getType(0).asGroupType();
      for (JsonNode element : value) addField(child.addGroup(repeated.getName()), repeated.getType(0), element);
    } else if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
      GroupType repeated = groupType.getType(0).asGroupType();
      for (JsonNode pair : value) {
        Group entry = child.addGroup(repeated.getName());
        addField(entry, repeated.getType(0), pair.get(0));
        addField(entry, repeated.getType(1), pair.get(1));
      }
    } else {
      for (Type field : groupType.getFields()) addField(child, field, value.get(field.getName()));
    }
  }

  // -------------------------------------------------------------------------------------- read

  private static FileDecryptionProperties decryption(JsonNode crypto, Configuration conf, Path path) {
    switch (crypto.path("mode").asText("none")) {
      case "none":
        return null;
      case "kms":
      case "vault":
        return DecryptionPropertiesFactory.loadFactory(conf).getFileDecryptionProperties(conf, path);
      case "explicit": {
        FileDecryptionProperties.Builder builder = FileDecryptionProperties.builder();
        if (crypto.hasNonNull("footerKey")) builder.withFooterKey(hex(crypto.get("footerKey")));
        Map<ColumnPath, ColumnDecryptionProperties> columns = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = crypto.path("columnKeys").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          ColumnPath columnPath = ColumnPath.fromDotString(e.getKey()); // not builder(String): see above
          columns.put(columnPath, ColumnDecryptionProperties.builder(columnPath).withKey(hex(e.getValue())).build());
        }
        if (!columns.isEmpty()) builder.withColumnKeys(columns);
        if (crypto.has("keys")) { // key metadata (UTF-8 key id) -> key
          Map<String, byte[]> keys = new HashMap<>();
          crypto.get("keys").fields().forEachRemaining(e -> keys.put(e.getKey(), hex(e.getValue())));
          DecryptionKeyRetriever retriever = keyMetadata -> {
            byte[] key = keys.get(new String(keyMetadata, StandardCharsets.UTF_8));
            if (key == null) throw new org.apache.parquet.crypto.KeyAccessDeniedException("no key for metadata");
            return key;
          };
          builder.withKeyRetriever(retriever);
        }
        if (crypto.hasNonNull("aadPrefix")) builder.withAADPrefix(hex(crypto.get("aadPrefix")));
        if (crypto.path("plaintextFilesAllowed").asBoolean(false)) builder.withPlaintextFilesAllowed();
        return builder.build();
      }
      default:
        throw new IllegalArgumentException("unknown crypto mode " + crypto.path("mode").asText());
    }
  }

  private static void read(JsonNode job, ObjectNode result) throws Exception {
    Path path = new Path(job.path("file").asText());
    JsonNode crypto = job.path("crypto");
    Configuration conf = toolsConf(crypto);
    FileDecryptionProperties props = decryption(crypto, conf, path);

    ParquetReadOptions.Builder options = HadoopReadOptions.builder(conf);
    if (props != null) options.withDecryption(props);
    MessageType schema;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf), options.build())) {
      FileMetaData fileMeta = reader.getFooter().getFileMetaData();
      schema = fileMeta.getSchema();
      result.put("footer", fileMeta.getEncryptionType().name());
      result.put("created_by", fileMeta.getCreatedBy());
      ArrayNode rowGroups = result.putArray("row_groups");
      List<BlockMetaData> blocks = reader.getRowGroups();
      for (BlockMetaData block : blocks) {
        ObjectNode rg = rowGroups.addObject();
        rg.put("rows", block.getRowCount());
        ArrayNode chunks = rg.putArray("columns");
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          ObjectNode c = chunks.addObject();
          c.put("path", chunk.getPath().toDotString());
          c.put("encrypted", chunk.isEncrypted());
          c.put("bloom_filter", chunk.getBloomFilterOffset() >= 0);
          c.put("column_index", reader.readColumnIndex(chunk) != null);
          c.put("offset_index", reader.readOffsetIndex(chunk) != null);
          c.put("dictionary_page", chunk.hasDictionaryPage());
        }
      }
      // Page kinds of each column chunk (every row group), read and decrypted by parquet-java
      ArrayNode pageKinds = result.putArray("page_kinds");
      PageReadStore store;
      while ((store = reader.readNextRowGroup()) != null) {
        ObjectNode kinds = pageKinds.addObject();
        for (ColumnDescriptor column : schema.getColumns()) {
          PageReader pages = store.getPageReader(column);
          ArrayNode list = kinds.putArray(String.join(".", column.getPath()));
          if (pages.readDictionaryPage() != null) list.add("dict");
          DataPage page;
          while ((page = pages.readPage()) != null) list.add(page instanceof DataPageV2 ? "v2" : "v1");
        }
      }
      // Bloom filter probes: for each value, whether any row group's filter may contain it
      ArrayNode probes = result.putArray("probes");
      for (JsonNode probe : job.path("probes")) {
        String column = probe.path("column").asText();
        ObjectNode p = probes.addObject();
        p.put("column", column);
        ArrayNode answers = p.putArray("found");
        boolean any = false;
        for (BlockMetaData block : blocks) {
          for (ColumnChunkMetaData chunk : block.getColumns()) {
            if (!chunk.getPath().toDotString().equals(column)) continue;
            BloomFilter filter = reader.readBloomFilter(chunk);
            if (filter == null) continue;
            any = true;
          }
        }
        p.put("has_filter", any);
        for (JsonNode value : probe.path("values")) {
          boolean found = false;
          for (BlockMetaData block : blocks) {
            for (ColumnChunkMetaData chunk : block.getColumns()) {
              if (!chunk.getPath().toDotString().equals(column)) continue;
              BloomFilter filter = reader.readBloomFilter(chunk);
              if (filter != null && filter.findHash(hash(filter, chunk.getPrimitiveType(), value))) found = true;
            }
          }
          answers.add(found);
        }
      }
    }

    // Every value, through the example Group API
    ObjectNode columns = result.putObject("columns");
    for (Type field : schema.getFields()) columns.putArray(field.getName());
    long rows = 0;
    ParquetReader.Builder<Group> readerBuilder = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf);
    if (props != null) readerBuilder.withDecryption(props);
    try (ParquetReader<Group> reader = readerBuilder.build()) {
      Group group;
      while ((group = reader.read()) != null) {
        for (Type field : schema.getFields()) ((ArrayNode) columns.get(field.getName())).add(fieldJson(group, field));
        rows++;
      }
    }
    result.put("num_rows", rows);
  }

  private static long hash(BloomFilter filter, PrimitiveType type, JsonNode value) {
    return switch (type.getPrimitiveTypeName()) {
      case INT32 -> filter.hash(value.asInt());
      case INT64 -> filter.hash(Long.parseLong(value.asText()));
      case DOUBLE -> filter.hash(value.isTextual() ? Double.parseDouble(value.asText()) : value.asDouble());
      case FLOAT -> filter.hash((float) value.asDouble());
      case BINARY -> filter.hash(Binary.fromString(value.asText()));
      default -> throw new IllegalArgumentException("no probe for " + type);
    };
  }

  private static JsonNode fieldJson(Group group, Type type) {
    if (group.getFieldRepetitionCount(type.getName()) == 0) return JSON.nullNode();
    return valueJson(group, type, 0);
  }

  private static JsonNode valueJson(Group group, Type type, int index) {
    String name = type.getName();
    if (type.isPrimitive()) {
      return switch (type.asPrimitiveType().getPrimitiveTypeName()) {
        case INT32 -> JSON.numberNode(group.getInteger(name, index));
        case INT64 -> JSON.textNode(Long.toString(group.getLong(name, index)));
        case DOUBLE -> doubleJson(group.getDouble(name, index));
        case FLOAT -> doubleJson(group.getFloat(name, index));
        case BOOLEAN -> JSON.booleanNode(group.getBoolean(name, index));
        case BINARY -> JSON.textNode(group.getString(name, index));
        default -> throw new IllegalArgumentException("unsupported type " + type);
      };
    }
    GroupType groupType = type.asGroupType();
    LogicalTypeAnnotation logical = groupType.getLogicalTypeAnnotation();
    Group child = group.getGroup(name, index);
    if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
      ArrayNode list = JSON.arrayNode();
      GroupType repeated = groupType.getType(0).asGroupType();
      int n = child.getFieldRepetitionCount(0);
      for (int i = 0; i < n; i++) list.add(fieldJson(child.getGroup(0, i), repeated.getType(0)));
      return list;
    }
    if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
      ArrayNode pairs = JSON.arrayNode();
      GroupType repeated = groupType.getType(0).asGroupType();
      int n = child.getFieldRepetitionCount(0);
      for (int i = 0; i < n; i++) {
        Group entry = child.getGroup(0, i);
        ArrayNode pair = pairs.addArray();
        pair.add(fieldJson(entry, repeated.getType(0)));
        pair.add(fieldJson(entry, repeated.getType(1)));
      }
      return pairs;
    }
    ObjectNode struct = JSON.objectNode();
    for (Type field : groupType.getFields()) struct.set(field.getName(), fieldJson(child, field));
    return struct;
  }

  private static JsonNode doubleJson(double d) {
    if (Double.isNaN(d)) return JSON.textNode("NaN");
    if (Double.isInfinite(d)) return JSON.textNode(d > 0 ? "Infinity" : "-Infinity");
    return JSON.numberNode(d);
  }

  // ------------------------------------------------------------------------------------ rotate

  /**
   * KeyToolkit.rotateMasterKeys over a folder, InMemoryKMS moving from keyList to newKeyList. The
   * job's KMS client is created (under its token, with the old keys) before the rotation starts:
   * InMemoryKMS.initialize would otherwise reset the new key map.
   */
  private static void rotate(JsonNode job, ObjectNode result) throws Exception {
    JsonNode kms = job.path("kms");
    Configuration conf = kmsConf(kms);
    conf.setBoolean("parquet.encryption.key.material.store.internally", false);
    conf.setBoolean("parquet.encryption.double.wrapping", kms.path("doubleWrapping").asBoolean(true));
    ObjectNode warmUp = JSON.objectNode();
    ObjectNode readJob = JSON.objectNode();
    readJob.put("file", job.path("warmUpFile").asText());
    readJob.set("crypto", kms.deepCopy());
    ((ObjectNode) readJob.get("crypto")).put("mode", "kms");
    read(readJob, warmUp);
    InMemoryKMS.startKeyRotation(conf);
    try {
      KeyToolkit.rotateMasterKeys(job.path("dir").asText(), conf);
    } finally {
      InMemoryKMS.finishKeyRotation();
    }
  }
}
