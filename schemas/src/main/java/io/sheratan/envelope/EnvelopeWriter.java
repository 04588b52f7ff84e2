package io.sheratan.envelope;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sheratan.avro.ResultSubmission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a submission back out as a JSON envelope (DESIGN.md section 2) or an Avro
 * {@link ResultSubmission}. {@code result} and {@code error} are written as their canonical bytes,
 * so what a signer sends is byte for byte what the verifier will hash.
 */
public final class EnvelopeWriter {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private EnvelopeWriter() {
    }

    /**
     * The JSON envelope: the canonical core's members followed by the integrity member. The core is
     * canonical already, so the envelope is built by splicing bytes; only the mark goes through Jackson.
     */
    public static byte[] toJson(Submission s) {
        byte[] core = s.core();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(core.length + 220);
        bytes.write(core, 0, core.length - 1); // without the closing brace
        IntegrityMark mark = s.mark();
        if (mark != null) {
            bytes.writeBytes(INTEGRITY);
            try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
                g.writeStartObject();
                writeIfSet(g, "mode", mark.mode());
                writeIfSet(g, "sha256", mark.sha256());
                writeIfSet(g, "sig", mark.sig());
                writeIfSet(g, "key_id", mark.keyId());
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        bytes.write('}');
        return bytes.toByteArray();
    }

    private static final byte[] INTEGRITY = ",\"integrity\":".getBytes(StandardCharsets.US_ASCII);

    public static ResultSubmission toAvro(Submission s) {
        ResultSubmission.Builder builder = ResultSubmission.newBuilder()
                .setJobId(s.jobId())
                .setOk(s.ok())
                .setResult(s.resultJson())
                .setError(s.errorJson());
        IntegrityMark mark = s.mark();
        if (mark != null) {
            builder.setIntegrity(io.sheratan.avro.IntegrityMark.newBuilder()
                    .setMode(mark.mode())
                    .setSha256(mark.sha256())
                    .setSig(mark.sig())
                    .setKeyId(mark.keyId())
                    .build());
        }
        return builder.build();
    }

    private static void writeIfSet(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
