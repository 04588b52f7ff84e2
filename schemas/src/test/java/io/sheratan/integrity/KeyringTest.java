package io.sheratan.integrity;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.util.HexFormat;

/** Keyring admission (DESIGN.md section 3c): a file with any problem is refused whole, naming it. */
class KeyringTest {

    private final KeyringFixture fixture = new KeyringFixture();

    private static Keyring parse(String json) throws Keyring.KeyringException {
        return Keyring.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldParseKeysTokensAndWindows() throws Exception {
        Keyring keyring = fixture.keyring();
        assertThat(keyring.keys()).extracting(Keyring.Key::keyId).containsExactly("worker-7/2026-11", "open/2026-11", "hmac/2026-11");
        Keyring.Key worker7 = keyring.key("worker-7/2026-11").orElseThrow();
        assertThat(worker7.validAt(KeyringFixture.NOT_BEFORE)).isTrue();
        assertThat(worker7.validAt(KeyringFixture.NOT_BEFORE - 1)).isFalse();
        assertThat(worker7.validAt(KeyringFixture.NOT_AFTER)).isFalse();
        assertThat(worker7.allowsNode("worker-7")).isTrue();
        assertThat(worker7.allowsNode("worker-8")).isFalse();
        assertThat(keyring.token(KeyringFixture.TOKEN, KeyringFixture.T)).map(Keyring.Token::tokenId).contains("ops/2026-11");
        assertThat(keyring.token(KeyringFixture.TOKEN, KeyringFixture.NOT_AFTER)).as("expired").isEmpty();
        assertThat(keyring.token("wrong", KeyringFixture.T)).isEmpty();
        assertThat(keyring.digest()).isEqualTo(Marks.sha256Hex(fixture.json().getBytes(StandardCharsets.UTF_8)));
        assertThat(keyring.summary()).contains("worker-7/2026-11").contains("ops/2026-11")
                .doesNotContain(Base64.getEncoder().encodeToString(KeyringFixture.HMAC_SECRET));
    }

    @Test
    void shouldRefuseTheWholeFileForAnyBadEntry() {
        String small = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(Ed25519Test.LOW_ORDER.get(4)));
        String[][] cases = {
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64(32) + "\"},{\"key_id\":\"a\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64(32) + "\"}]}", "appears twice"},
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"rsa\",\"secret\":\"" + b64(32) + "\"}]}", "unknown alg"},
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64(31) + "\"}]}", "at least 32"},
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"ed25519\",\"public_key\":\"" + b64(31) + "\"}]}", "32 bytes"},
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"ed25519\",\"public_key\":\"" + small + "\"}]}", "small-order"},
                {"{\"keys\":[{\"key_id\":\"a\",\"alg\":\"ed25519\",\"public_key\":\"" + b64(32) + "\",\"not_before\":5,\"not_after\":5}]}", "before not_after"},
                {"{\"keys\":[],\"tokens\":[{\"token_id\":\"t\",\"sha256\":\"abc\"}]}", "64 lowercase hex"},
                {"{\"keys\":[],\"extra\":1}", "unknown member"},
                {"{\"keys\":[],\"keys\":[]}", "repeated"},
                {"[1]", "JSON object"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0])).as(c[1]).isInstanceOf(Keyring.KeyringException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void shouldMakeALegacyKeyringOfTheSingleKeyVariables() {
        Keyring legacy = Keyring.legacy("short".getBytes(StandardCharsets.UTF_8), null, "tok");
        assertThat(legacy.hmacKeysValidAt(0)).hasSize(1);
        assertThat(legacy.acceptsAnyKeyIdForV1()).isTrue();
        assertThat(legacy.token("tok", 0)).isPresent();
        assertThat(Keyring.legacy("short".getBytes(StandardCharsets.UTF_8), "key-1", null).acceptsAnyKeyIdForV1()).isFalse();
    }

    private static String b64(int bytes) {
        byte[] raw = new byte[bytes];
        raw[0] = 9; // y = 9 is on the curve and of large order
        return Base64.getEncoder().encodeToString(raw);
    }
}
