package io.sheratan.ed25519;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A wrong {@code -Dsheratan.ed25519} never breaks the class (signing, admission and verification go
 * on with auto's choice) and fails the services' start with a message naming the setting. The build
 * runs this class once more with {@code -Dsheratan.ed25519=fastest} (ed25519/pom.xml).
 */
class Ed25519SettingTest {

    @Test
    void aWrongSettingIsNamedAtStartAndBreaksNothing() throws Exception {
        String wanted = System.getProperty("sheratan.ed25519", "auto");
        if (wanted.equals("fastest")) {
            assertThatThrownBy(Ed25519::requireConfiguredBackend).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("-Dsheratan.ed25519=fastest").hasMessageContaining("expected auto, libsodium, bouncycastle or jdk");
            assertThat(Ed25519.backendDescription()).contains("-Dsheratan.ed25519=fastest");
        } else {
            assertThatCode(Ed25519::requireConfiguredBackend).doesNotThrowAnyException();
        }
        var pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] message = "still works".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(Ed25519.verify(Ed25519.admit(Ed25519.raw(pair.getPublic())), message, Ed25519.sign(pair.getPrivate(), message))).isTrue();
    }
}
