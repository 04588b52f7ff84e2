package io.sheratan.tlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signed notes and their keys against Go's {@code sumdb/note} test vectors
 * ({@code conformance/tlog/sumdb-note.json}): same key ID, same signature bytes from the same seed,
 * the same mangled keys refused, and a note opened only by the key that signed it.
 */
class NoteTest {

    private static JsonNode vectors() throws Exception {
        Path here = Path.of(System.getProperty("user.dir"));
        Path root = Files.isDirectory(here.resolve("conformance")) ? here : here.getParent();
        return new ObjectMapper().readTree(root.resolve("conformance/tlog/sumdb-note.json").toFile());
    }

    private static NoteKeys.Signer goSigner(JsonNode v) throws Exception {
        String[] parts = v.get("signer").asText().split("\\+", 5);
        byte[] alg = Base64.getDecoder().decode(parts[4]);
        assertThat(alg[0]).isEqualTo((byte) 1);
        NoteKeys.Signer signer = NoteKeys.fromSeed(parts[2], Arrays.copyOfRange(alg, 1, alg.length));
        assertThat(String.format("%08x", signer.keyId())).isEqualTo(parts[3]);
        return signer;
    }

    @Test
    void shouldDeriveGosKeyIdAndVerifierKeyFromTheSeed() throws Exception {
        JsonNode v = vectors();
        NoteKeys.Signer signer = goSigner(v);
        assertThat(signer.verifier().encoded()).isEqualTo(v.get("verifier").asText());
        NoteKeys.Verifier parsed = NoteKeys.parseVerifier(v.get("verifier").asText());
        assertThat(parsed.keyId()).isEqualTo(0xc74f20a3);
        assertThat(parsed.name()).isEqualTo("PeterNeumann");
    }

    @Test
    void shouldSignByteForByteAsGoDoes() throws Exception {
        JsonNode v = vectors();
        assertThat(Note.sign(v.get("text").asText(), goSigner(v))).isEqualTo(v.get("signed").asText());
    }

    @Test
    void shouldOpenOnlyWithTheKeyThatSigned() throws Exception {
        JsonNode v = vectors();
        NoteKeys.Verifier peter = NoteKeys.parseVerifier(v.get("verifier").asText());
        NoteKeys.Verifier enoch = NoteKeys.parseVerifier(v.get("other_verifier").asText());
        String both = v.get("signed").asText() + v.get("other_signature_line").asText() + "\n";

        assertThat(Note.open(both, peter).text()).isEqualTo(v.get("text").asText());
        assertThat(Note.open(both, enoch).signatures()).hasSize(2);
        assertThatThrownBy(() -> Note.open(v.get("signed").asText(), enoch)).hasMessageContaining("no signature by EnochRoot");
        String altered = v.get("signed").asText().replace("cryptography", "Cryptography");
        assertThatThrownBy(() -> Note.open(altered, peter)).hasMessageContaining("does not verify");
    }

    @Test
    void shouldRefuseMangledVerifierKeys() throws Exception {
        JsonNode v = vectors();
        for (JsonNode bad : v.get("bad_verifiers")) {
            assertThatThrownBy(() -> NoteKeys.parseVerifier(bad.asText())).isInstanceOf(NoteException.class);
        }
        byte[] key = v.get("verifier").asText().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < key.length; i++) {
            key[i]++;
            String mangled = new String(key, java.nio.charset.StandardCharsets.US_ASCII);
            key[i]--;
            assertThatThrownBy(() -> NoteKeys.parseVerifier(mangled)).as(mangled).isInstanceOf(NoteException.class);
        }
    }

    @Test
    void shouldRoundTripACheckpointAndRefuseAForeignOrigin() throws Exception {
        NoteKeys.Signer signer = NoteKeys.fromSeed("sheratan.local/audit", new byte[32]);
        Checkpoint checkpoint = new Checkpoint("sheratan.local/audit", 7, Merkle.leafHash(new byte[0]));
        String note = Note.sign(checkpoint.text(), signer);
        Checkpoint opened = Note.openCheckpoint(note, signer.verifier());
        assertThat(opened.size()).isEqualTo(7);
        assertThat(opened.root()).isEqualTo(checkpoint.root());

        NoteKeys.Signer other = NoteKeys.fromSeed("other.example/log", new byte[32]);
        String foreign = Note.sign(new Checkpoint("sheratan.local/audit", 7, checkpoint.root()).text(), other);
        assertThatThrownBy(() -> Note.openCheckpoint(foreign, other.verifier())).hasMessageContaining("origin");
        assertThatThrownBy(() -> Checkpoint.parse("o\n007\n" + Base64.getEncoder().encodeToString(new byte[32]) + "\n"))
                .hasMessageContaining("leading zeros");
        assertThatThrownBy(() -> Checkpoint.parse("o\n7\nAAAA\n")).hasMessageContaining("SHA-256");
    }

    /** signed-note: a line of the verifier's name and key ID that does not verify refuses the note, even beside one that does. */
    @Test
    void shouldRefuseANoteWithAnAlteredLineOfTheKeyBesideAGoodOne() throws Exception {
        NoteKeys.Signer key = NoteKeys.fromSeed("example.com/log", new byte[32]);
        String note = Note.sign("example.com/log\n1\n" + Base64.getEncoder().encodeToString(new byte[32]) + "\n", key);
        String line = note.substring(note.indexOf('\u2014'));
        byte[] blob = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1).strip());
        blob[30] ^= 1;
        String bad = line.substring(0, line.lastIndexOf(' ') + 1) + Base64.getEncoder().encodeToString(blob) + "\n";
        assertThat(Note.open(note, key.verifier()).text()).startsWith("example.com/log");
        for (String altered : new String[]{note + bad, note.substring(0, note.indexOf('\u2014')) + bad + line}) {
            assertThatThrownBy(() -> Note.open(altered, key.verifier())).isInstanceOf(NoteException.class).hasMessageContaining("does not verify");
        }
    }
}
