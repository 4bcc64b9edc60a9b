package pme.parquet;

import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KmsClient;

/** The client's configuration, read from the Hadoop configuration and parquet-java's KMS connection values. */
final class ClientSettings {
  static final String CA_FILE = "pme.kms.tls.ca.file";
  static final String TIMEOUT_MS = "pme.kms.request.timeout.ms";
  static final String RETRY_ATTEMPTS = "pme.kms.retry.attempts";
  static final String RETRY_BASE_DELAY_MS = "pme.kms.retry.base.delay.ms";
  static final String RETRY_MAX_DELAY_MS = "pme.kms.retry.max.delay.ms";
  private static final String URL_PROPERTY = "parquet.encryption.kms.instance.url";

  final String baseUrl;
  /** Null for parquet-java's "DEFAULT" token or an empty one: no header, the anonymous (PUBLIC) caller. */
  final String token;
  final String caFile;
  final int timeoutMs;
  final int attempts;
  final int baseDelayMs;
  final int maxDelayMs;

  ClientSettings(Configuration conf, String kmsInstanceUrl, String accessToken) {
    baseUrl = baseUrlOf(kmsInstanceUrl);
    token = accessToken == null || accessToken.isEmpty() || KmsClient.KEY_ACCESS_TOKEN_DEFAULT.equals(accessToken)
        ? null
        : checkedToken(accessToken);
    String ca = conf.getTrimmed(CA_FILE, "");
    caFile = ca.isEmpty() ? null : ca;
    timeoutMs = positive(conf, TIMEOUT_MS, 10_000, 1, 600_000);
    attempts = positive(conf, RETRY_ATTEMPTS, 4, 1, 20);
    baseDelayMs = positive(conf, RETRY_BASE_DELAY_MS, 100, 0, 60_000);
    maxDelayMs = positive(conf, RETRY_MAX_DELAY_MS, 2_000, 0, 600_000);
  }

  /** http(s)://host[:port][/prefix], trailing slashes dropped; credentials, a query or a fragment are refused. */
  private static String baseUrlOf(String url) {
    if (url == null || url.isEmpty() || KmsClient.KMS_INSTANCE_URL_DEFAULT.equals(url)) {
      throw new ParquetCryptoRuntimeException(
          "pme KMS: set " + URL_PROPERTY + " to the URL of `pme kms serve` (e.g. https://kms.example:8001)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ParquetCryptoRuntimeException("pme KMS: " + URL_PROPERTY + " is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || uri.getHost() == null) {
      throw new ParquetCryptoRuntimeException("pme KMS: " + URL_PROPERTY + " must be an http or https URL with a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ParquetCryptoRuntimeException(
          "pme KMS: " + URL_PROPERTY + " may not hold credentials, a query or a fragment (the token goes in "
              + "parquet.encryption.key.access.token)");
    }
    return url.replaceAll("/+$", "");
  }

  /** A token HTTP can carry as a header value; the message never quotes it. */
  private static String checkedToken(String token) {
    for (char c : token.toCharArray()) {
      if (c < 0x21 || c > 0x7e) {
        throw new ParquetCryptoRuntimeException(
            "pme KMS: the access token (parquet.encryption.key.access.token) holds a character that cannot be sent "
                + "in the x-api-key header (a space, a control character or non-ASCII)");
      }
    }
    return token;
  }

  private static int positive(Configuration conf, String name, int fallback, int min, int max) {
    String raw = conf.getTrimmed(name, "");
    if (raw.isEmpty()) return fallback;
    try {
      int value = Integer.parseInt(raw);
      if (value >= min && value <= max) return value;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParquetCryptoRuntimeException(
        "pme KMS: " + name + " must be a whole number from " + min + " to " + max + ", got \"" + raw + "\"");
  }
}
