package pme.parquet;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * A parquet-java KmsClient for pme's HTTP KMS (`pme kms serve`): wrapKey is
 * {@code POST <url>/v1/keys/<id>/wrap {"key": base64}}, unwrapKey is
 * {@code POST <url>/v1/keys/<id>/unwrap {"wrappedKey": ...}}. The server decides who may use which master
 * key; this client carries the token (parquet.encryption.key.access.token) in the x-api-key header, and
 * none for parquet-java's default token "DEFAULT" (the anonymous, PUBLIC caller).
 *
 * <p>Refusals (HTTP 401, 403) are KeyAccessDeniedException; anything else that fails is
 * ParquetCryptoRuntimeException. Messages name the server, the operation, the master key id and the
 * server's error code, never a key, a wrapped key or the token. No answer, a timeout, HTTP 429 and 5xx
 * are retried (bounded, exponential backoff with full jitter).
 */
public class PmeHttpKmsClient implements KmsClient {
  private ClientSettings settings;
  private HttpClient http;

  @Override
  public void initialize(Configuration configuration, String kmsInstanceID, String kmsInstanceURL, String accessToken)
      throws KeyAccessDeniedException {
    settings = new ClientSettings(configuration, kmsInstanceURL, accessToken);
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        // A KMS answer is never a redirect, and the token must not follow one to another host.
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofMillis(settings.timeoutMs));
    if (settings.caFile != null) builder.sslContext(CaTrust.sslContext(settings.caFile, ClientSettings.CA_FILE));
    http = builder.build();
  }

  @Override
  public String wrapKey(byte[] keyBytes, String masterKeyIdentifier) throws KeyAccessDeniedException {
    String body = Json.object("key", Base64.getEncoder().encodeToString(keyBytes));
    String wrapped = field(call("wrap", masterKeyIdentifier, body), "wrappedKey", "wrap", masterKeyIdentifier);
    return wrapped;
  }

  @Override
  public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier) throws KeyAccessDeniedException {
    String body = Json.object("wrappedKey", wrappedKey);
    String encoded = field(call("unwrap", masterKeyIdentifier, body), "key", "unwrap", masterKeyIdentifier);
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw unexpected("unwrap", masterKeyIdentifier);
    }
    if (key.length != 16 && key.length != 24 && key.length != 32) throw unexpected("unwrap", masterKeyIdentifier);
    return key;
  }

  private String what(String operation, String masterKeyId) {
    return "pme KMS " + settings.baseUrl + ": " + operation + " with master key \"" + masterKeyId + "\"";
  }

  private ParquetCryptoRuntimeException unexpected(String operation, String masterKeyId) {
    return new ParquetCryptoRuntimeException(what(operation, masterKeyId) + " returned an unexpected answer");
  }

  private String field(Map<String, Object> answer, String name, String operation, String masterKeyId) {
    Object value = answer == null ? null : answer.get(name);
    if (!(value instanceof String) || ((String) value).isEmpty()) throw unexpected(operation, masterKeyId);
    return (String) value;
  }

  /** One wrap or unwrap, retried while the failure is transient; the 200 answer's object. */
  private Map<String, Object> call(String operation, String masterKeyId, String body) {
    if (http == null) throw new ParquetCryptoRuntimeException("pme KMS: the client was not initialized");
    if (masterKeyId == null || masterKeyId.isEmpty()) {
      throw new ParquetCryptoRuntimeException("pme KMS: the master key id is empty");
    }
    String what = what(operation, masterKeyId);
    String path = "/v1/keys/" + URLEncoder.encode(masterKeyId, StandardCharsets.UTF_8).replace("+", "%20") + "/" + operation;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.baseUrl + path))
        .timeout(Duration.ofMillis(settings.timeoutMs))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (settings.token != null) request.header("x-api-key", settings.token);
    HttpRequest built = request.build();
    String last = null;
    for (int attempt = 1; attempt <= settings.attempts; attempt++) {
      if (attempt > 1) backoff(attempt - 1, what);
      HttpResponse<String> response;
      try {
        response = http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // Refused, reset, timed out (HttpTimeoutException), TLS failure: no answer. The exception's class
        // names the cause; its message is left out (it may quote the URL's host only, but keep it short).
        last = e.getClass().getSimpleName();
        if (e instanceof javax.net.ssl.SSLException) {
          throw new ParquetCryptoRuntimeException(what + " failed: TLS (" + e.getMessage() + "); a private CA is "
              + "trusted through " + ClientSettings.CA_FILE, e);
        }
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParquetCryptoRuntimeException(what + " interrupted", e);
      }
      int status = response.statusCode();
      Map<String, Object> answer = Json.parseObject(response.body());
      if (status == 200) return answer;
      if (status == 429 || status >= 500) {
        last = "HTTP " + status + codeSuffix(answer);
        continue;
      }
      throw refusalOrFailure(status, answer, what);
    }
    throw new ParquetCryptoRuntimeException(
        what + " failed: KMS unavailable, " + settings.attempts + " attempts (last: " + last + ")");
  }

  /** 401/403 are refusals (KeyAccessDeniedException); other 4xx are failures that a retry would not fix. */
  private ParquetCryptoRuntimeException refusalOrFailure(int status, Map<String, Object> answer, String what) {
    String code = codeSuffix(answer);
    if (status == 401 || status == 403) return new KeyAccessDeniedException(what + " refused (HTTP " + status + code + ")");
    if (status == 404 && code.isEmpty()) return new ParquetCryptoRuntimeException(what + ": no pme KMS API at this URL (HTTP 404)");
    if (status == 404 && code.equals(" key_not_found")) {
      return new ParquetCryptoRuntimeException(what + ": no such master key (HTTP 404 key_not_found)");
    }
    return new ParquetCryptoRuntimeException(what + " failed (HTTP " + status + code + message(answer) + ")");
  }

  private static Map<?, ?> error(Map<String, Object> answer) {
    Object error = answer == null ? null : answer.get("error");
    return error instanceof Map ? (Map<?, ?>) error : null;
  }

  /** " <code>" of the server's {"error": {"code"}}, or "" when the answer is not the API's. */
  private static String codeSuffix(Map<String, Object> answer) {
    Map<?, ?> error = error(answer);
    Object code = error == null ? null : error.get("code");
    return code instanceof String && ((String) code).matches("[a-z_]{1,40}") ? " " + code : "";
  }

  /** ": <server message>", control characters out, cut at 200, the token removed if the server echoed it. */
  private String message(Map<String, Object> answer) {
    Map<?, ?> error = error(answer);
    Object message = error == null ? null : error.get("message");
    if (!(message instanceof String)) return "";
    String clean = ((String) message).replaceAll("[\\x00-\\x1f\\x7f]", " ");
    if (settings.token != null) clean = clean.replace(settings.token, "<token>");
    return ": " + (clean.length() > 200 ? clean.substring(0, 200) + "..." : clean);
  }

  /** Exponential backoff with full jitter: a random wait up to min(max, base * 2^(retry-1)). */
  private void backoff(int retry, String what) {
    long ceiling = Math.min((long) settings.maxDelayMs, (long) settings.baseDelayMs << Math.min(retry - 1, 20));
    long delay = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParquetCryptoRuntimeException(what + " interrupted", e);
    }
  }
}
