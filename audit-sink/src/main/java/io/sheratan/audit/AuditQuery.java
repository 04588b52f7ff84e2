package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import io.sheratan.canonical.JsonCanonicalizer;

/**
 * {@code sheratan audit query}: the events of the log that match every given filter, one JSON
 * object per line. Lines are canonical JSON, so a filter value is first looked for as plain text
 * and only candidate lines are parsed: a million lines take seconds.
 */
public final class AuditQuery {

    /** Filters; null means "any". Times compare with the event's {@code ts}. */
    public record Filter(String jobId, String reason, String type, Instant since, Instant until) {
    }

    private AuditQuery() {
    }

    /** Prints matching events; returns how many matched. */
    public static long run(Path dir, Filter filter, PrintStream out) throws IOException {
        String jobNeedle = filter.jobId() == null ? null : "\"job_id\":" + quoted(filter.jobId());
        String reasonNeedle = filter.reason() == null ? null : "\"reason\":" + quoted(filter.reason());
        String typeNeedle = filter.type() == null ? null : "\"event_type\":" + quoted(filter.type());
        long matched = 0;
        for (Path file : ChainLog.files(dir)) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String text;
                while ((text = reader.readLine()) != null) {
                    if ((jobNeedle != null && !text.contains(jobNeedle))
                            || (reasonNeedle != null && !text.contains(reasonNeedle))
                            || (typeNeedle != null && !text.contains(typeNeedle))) {
                        continue;
                    }
                    JsonNode event = ChainLog.JSON.readTree(text).path("event");
                    if (!matches(event, filter)) {
                        continue;
                    }
                    out.println(ChainLog.JSON.writeValueAsString(event));
                    matched++;
                }
            }
        }
        return matched;
    }

    private static boolean matches(JsonNode event, Filter f) {
        if (f.jobId() != null && !f.jobId().equals(event.path("job_id").asText(null))) {
            return false;
        }
        if (f.reason() != null && !f.reason().equals(event.path("reason").asText(null))) {
            return false;
        }
        if (f.type() != null && !f.type().equals(event.path("event_type").asText(null))) {
            return false;
        }
        long ts = event.path("ts").asLong(Long.MIN_VALUE);
        if (f.since() != null && ts < f.since().toEpochMilli()) {
            return false;
        }
        return f.until() == null || ts < f.until().toEpochMilli();
    }

    private static String quoted(String value) {
        return new String(JsonCanonicalizer.canonicalString(value), StandardCharsets.UTF_8);
    }
}
