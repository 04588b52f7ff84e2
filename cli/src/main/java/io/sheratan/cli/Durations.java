package io.sheratan.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on a command line: {@code 30s}, {@code 2m}, {@code 500ms}, {@code 1h}, or ISO-8601 {@code PT60S}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            Duration d = Duration.parse(text.toUpperCase(Locale.ROOT));
            if (d.isNegative()) {
                throw new CommandLine.TypeConversionException("a duration must not be negative, was '" + value + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("expected a duration such as 30s, 2m, 500ms or PT60S, was '" + value + "'");
        }
    }
}
