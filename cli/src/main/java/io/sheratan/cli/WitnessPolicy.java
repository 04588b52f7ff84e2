package io.sheratan.cli;

import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --witness VKEY} (repeatable) and {@code --witnesses-required N} of the offline audit checks
 * (DESIGN section 9): a checkpoint counts only when enough of the witnesses you trust cosigned it, so a
 * log operator cannot show you a history the witnesses did not see. Without {@code --witness} nothing
 * is required.
 */
final class WitnessPolicy {

    @Option(names = "--witness", paramLabel = "VKEY",
            description = "a witness's verifier key (<name>+<id>+<base64(0x04 || key)>), or a file holding it; repeatable")
    List<String> witnesses = new ArrayList<>();

    @Option(names = "--witnesses-required", paramLabel = "N",
            description = "how many of the --witness keys must have cosigned the checkpoint (default: all given)")
    Integer required;

    /** The keys given, checked; throws naming the one that is wrong or a count out of range. */
    List<NoteKeys.Verifier> keys() throws NoteException, IOException {
        List<NoteKeys.Verifier> keys = new ArrayList<>();
        for (String given : witnesses) {
            Path file = Path.of(given);
            String text = !given.contains("+") && Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : given;
            try {
                keys.add(Cosignature.parseVerifier(text.strip()));
            } catch (NoteException e) {
                throw new NoteException("--witness " + given + ": " + e.getMessage());
            }
        }
        Cosignature.requireDistinct(keys);
        int n = required();
        if (n < 0 || n > keys.size()) {
            throw new NoteException("--witnesses-required " + n + ": give between 0 and the " + keys.size() + " --witness key(s)");
        }
        return keys;
    }

    int required() {
        return required != null ? required : witnesses.size();
    }

    /** Null when the checkpoint note carries enough valid cosignatures, else why not. */
    String refusal(String checkpointNote, List<NoteKeys.Verifier> keys) {
        if (required() == 0) {
            return null;
        }
        try {
            Cosignature.requireCosigners(Note.parse(checkpointNote), keys, required());
            return null;
        } catch (NoteException e) {
            return e.getMessage();
        }
    }

    /**
     * ", cosigned by N of the M witnesses given (name at time, ...)", or nothing when none were asked
     * for: the times matter, a cosignature says the tree was the newest the witness had seen then.
     */
    String summary(String checkpointNote, List<NoteKeys.Verifier> keys) {
        if (required() == 0) {
            return "";
        }
        try {
            Note note = Note.parse(checkpointNote);
            List<String> who = new ArrayList<>();
            for (NoteKeys.Verifier w : Cosignature.cosigners(note, keys)) {
                who.add(w.name() + " at " + java.time.Instant.ofEpochSecond(Cosignature.verify(note, w)));
            }
            return ", cosigned by " + who.size() + " of the " + keys.size() + " witness(es) given (" + String.join(", ", who) + ")";
        } catch (NoteException e) {
            return "";
        }
    }
}
