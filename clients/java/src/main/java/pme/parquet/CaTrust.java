package pme.parquet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;

/** An SSLContext that trusts exactly the CA certificates of one PEM file (instead of the JVM's trust store). */
final class CaTrust {
  private CaTrust() {}

  static SSLContext sslContext(String caFile, String property) {
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new ParquetCryptoRuntimeException(property + ": no certificate in " + caFile);
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) store.setCertificateEntry("ca-" + i++, certificate);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new ParquetCryptoRuntimeException(property + ": cannot read CA certificates from " + caFile + " (" + e + ")", e);
    }
  }
}
