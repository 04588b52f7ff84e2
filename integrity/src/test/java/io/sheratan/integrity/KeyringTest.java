package io.sheratan.integrity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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
        String small = Base64.getEncoder().encodeToString(HexFormat.of().parseHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a") /* a point of small order */);
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
                {"{\"keys\":[],\"tokens\":[]} <<<<<<< HEAD", "one JSON document"},
                {"{\"keys\":[]}{\"keys\":[]}", "one JSON document"},
                {"{\"keys\":[]} 1", "one JSON document"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0])).as(c[1]).isInstanceOf(Keyring.KeyringException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void shouldReadOnlyRegularFilesOfAtMostOneMebibyte(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        // a FIFO would block an open() for ever: it is refused before it is opened
        assertThatThrownBy(() -> Keyring.read(fifo)).isInstanceOf(IOException.class).hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> Keyring.read(dir)).isInstanceOf(IOException.class).hasMessageContaining("a directory");

        Path big = dir.resolve("big.json");
        byte[] padded = new byte[Keyring.MAX_FILE_BYTES + 1];
        Arrays.fill(padded, (byte) ' ');
        byte[] json = "{\"keys\":[]}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(json, 0, padded, 0, json.length);
        Files.write(big, padded);
        assertThatThrownBy(() -> Keyring.read(big)).isInstanceOf(IOException.class).hasMessageContaining("larger than 1048576");
        Files.write(big, Arrays.copyOf(padded, Keyring.MAX_FILE_BYTES));
        assertThat(Keyring.read(big).keys()).as("exactly at the limit").isEmpty();

        Path link = dir.resolve("link.json");
        Files.createSymbolicLink(link, big);
        assertThat(Keyring.read(link).keys()).as("a link to a regular file (Kubernetes mounts)").isEmpty();
    }

    @Test
    void shouldBoundTheUnboundHmacKeysValidAtOneInstant() throws Exception {
        java.util.function.IntFunction<String> hmac = i -> "{\"key_id\":\"h" + i + "\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64(32) + "\"";
        StringBuilder eight = new StringBuilder();
        for (int i = 0; i < Keyring.MAX_UNBOUND_HMAC_KEYS; i++) {
            eight.append(i == 0 ? "" : ",").append(hmac.apply(i)).append('}');
        }
        assertThat(parse("{\"keys\":[" + eight + "]}").keys()).hasSize(8);
        assertThatThrownBy(() -> parse("{\"keys\":[" + eight + "," + hmac.apply(8) + "}]}"))
                .isInstanceOf(Keyring.KeyringException.class).hasMessageContaining("9 hmac-sha256 keys without nodes").hasMessageContaining("at most 8");
        assertThatThrownBy(() -> parse("{\"keys\":[" + eight + "," + hmac.apply(8) + ",\"not_before\":1000}]}"))
                .as("the ninth overlaps from its not_before").isInstanceOf(Keyring.KeyringException.class).hasMessageContaining("(from 1000)");
        assertThat(parse("{\"keys\":[" + eight + "," + hmac.apply(8) + ",\"nodes\":[\"worker-1\"]}]}").keys())
                .as("a node-bound key is never tried for a v1 mark").hasSize(9);
        // a rotation chain: each key's window ends where the next begins ([not_before, not_after) do not overlap)
        StringBuilder chain = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            chain.append(i == 0 ? "" : ",").append(hmac.apply(i)).append(",\"not_before\":").append(i * 10L).append(",\"not_after\":").append(i * 10L + 10).append('}');
        }
        assertThat(parse("{\"keys\":[" + chain + "]}").keys()).hasSize(20);
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
