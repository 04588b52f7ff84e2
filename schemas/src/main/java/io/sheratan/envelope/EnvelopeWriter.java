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

    public static byte[] toJson(Submission s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.core().length + 200);
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("job_id", s.jobId());
            g.writeBooleanField("ok", s.ok());
            if (s.result() != null) {
                g.writeFieldName("result");
                g.writeRawValue(new String(s.result(), StandardCharsets.UTF_8));
            }
            if (s.error() != null) {
                g.writeFieldName("error");
                g.writeRawValue(new String(s.error(), StandardCharsets.UTF_8));
            }
            IntegrityMark mark = s.mark();
            if (mark != null) {
                g.writeObjectFieldStart("integrity");
                writeIfSet(g, "mode", mark.mode());
                writeIfSet(g, "sha256", mark.sha256());
                writeIfSet(g, "sig", mark.sig());
                writeIfSet(g, "key_id", mark.keyId());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

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
