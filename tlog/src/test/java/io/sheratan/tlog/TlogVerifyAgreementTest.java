package io.sheratan.tlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python checker ({@code scripts/tlog-verify.py}, written apart from this code) and the Java side
 * give the same verdict on the same checkpoint notes, the odd ones included: carriage returns, a line
 * that is not a signature line, an altered line of the log's key or of a witness's beside a good one,
 * a witness given twice.
 */
class TlogVerifyAgreementTest {

    @TempDir
    Path dir;

    @Test
    void pythonAndJavaAgreeOnEveryNote() throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        byte[] seed = new byte[32];
        seed[0] = 7;
        NoteKeys.Signer witness = NoteKeys.fromSeed("witness.example/w1", seed, Cosignature.ALG);
        String text = new Checkpoint(log.name(), 3, Merkle.leafHash(new byte[]{1})).text();
        String signed = Note.sign(text, log);
        String logLine = signed.substring(signed.indexOf('\u2014'));
        String cosig = Cosignature.sign(witness, text, 1_700_000_000L);
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("cosigned", signed + cosig);
        notes.put("not cosigned", signed);
        notes.put("carriage returns", (signed + cosig).replace("\n", "\r\n"));
        notes.put("a line that is not a signature line", signed + cosig + "XX" + cosig.substring(2));
        notes.put("an altered log line beside a good one", signed + flip(logLine) + cosig);
        notes.put("an altered cosignature beside a good one", signed + cosig + flip(cosig));
        for (Map.Entry<String, String> note : notes.entrySet()) {
            for (List<NoteKeys.Verifier> witnesses : List.of(List.of(witness.verifier()), List.of(witness.verifier(), witness.verifier()))) {
                boolean java;
                try {
                    Note.openCheckpoint(note.getValue(), log.verifier());
                    Cosignature.requireCosigners(Note.parse(note.getValue()), witnesses, witnesses.size());
                    java = true;
                } catch (NoteException e) {
                    java = false;
                }
                int python = python(note.getValue(), log.verifier(), witnesses);
                assertThat(python).as("%s, %d witness key(s): Java %s", note.getKey(), witnesses.size(), java ? "holds" : "refuses")
                        .isEqualTo(java ? 0 : (witnesses.size() > 1 ? 2 : 1));
            }
        }
    }

    /** The line with one bit of its signature changed. */
    private static String flip(String line) {
        String b64 = line.substring(line.lastIndexOf(' ') + 1).strip();
        byte[] blob = Base64.getDecoder().decode(b64);
        blob[blob.length - 1] ^= 1;
        return line.substring(0, line.lastIndexOf(' ') + 1) + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    private int python(String note, NoteKeys.Verifier log, List<NoteKeys.Verifier> witnesses) throws Exception {
        Path file = dir.resolve("note");
        Files.write(file, note.getBytes(StandardCharsets.UTF_8));
        Path here = Path.of(System.getProperty("user.dir"));
        Path root = Files.isDirectory(here.resolve("scripts")) ? here : here.getParent();
        List<String> command = new ArrayList<>(List.of("python3", root.resolve("scripts/tlog-verify.py").toString(), "checkpoint",
                file.toString(), "--key", log.encoded()));
        for (NoteKeys.Verifier w : witnesses) {
            command.add("--witness");
            command.add(w.encoded());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
