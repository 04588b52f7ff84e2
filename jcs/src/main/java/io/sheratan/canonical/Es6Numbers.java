package io.sheratan.canonical;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * ECMAScript's Number-to-String (ES6 section 7.1.12.1), which RFC 8785 requires for numbers.
 *
 * <p>Two entry points. {@link #appendDecimal} formats a decimal already reduced to its significant
 * digits, which is how the canonicalizer handles every literal of at most 15 significant digits:
 * such a literal is exactly the shortest decimal of its double, so no binary conversion is needed.
 * {@link #format(double)} handles any double; it finds the shortest round-tripping digits by a binary
 * search over the precision with {@link BigDecimal}, choosing the closer of the two neighbours (ties
 * to even) as ES6 asks. Java 17's {@code Double.toString} is not always shortest, so it is not used.
 */
final class Es6Numbers {

    private Es6Numbers() {
    }

    /** ES6 string of {@code value}; throws for NaN and infinities, which JSON cannot carry. */
    public static String format(double value) {
        ByteSink sink = new ByteSink(32);
        append(value, sink);
        return new String(sink.buffer(), 0, sink.size(), StandardCharsets.US_ASCII);
    }

    static void append(double value, ByteSink out) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("NaN and infinities have no JSON form");
        }
        if (value == 0) {
            out.write('0');
            return;
        }
        boolean negative = value < 0;
        double magnitude = Math.abs(value);
        BigDecimal shortest = shortest(magnitude);
        byte[] digits = shortest.unscaledValue().toString().getBytes(StandardCharsets.US_ASCII);
        int k = digits.length;
        int n = k - shortest.scale();
        appendDecimal(negative, digits, 0, k, n, out);
    }

    /** The shortest decimal that reads back as {@code magnitude} (positive, finite), trailing zeros stripped. */
    private static BigDecimal shortest(double magnitude) {
        BigDecimal exact = new BigDecimal(magnitude);
        int low = 1;
        int high = 17; // 17 significant digits always round-trip
        BigDecimal best = null;
        while (low <= high) {
            int precision = (low + high) >>> 1;
            BigDecimal candidate = closestRoundTrip(exact, magnitude, precision);
            if (candidate != null) {
                best = candidate;
                high = precision - 1;
            } else {
                low = precision + 1;
            }
        }
        if (best == null) {
            throw new AssertionError("17 digits must round-trip: " + magnitude);
        }
        return best.stripTrailingZeros();
    }

    private static BigDecimal closestRoundTrip(BigDecimal exact, double magnitude, int precision) {
        BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
        BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
        boolean downOk = down.doubleValue() == magnitude;
        boolean upOk = up.doubleValue() == magnitude;
        if (downOk && upOk && down.compareTo(up) != 0) {
            int cmp = exact.subtract(down).compareTo(up.subtract(exact));
            if (cmp != 0) {
                return cmp < 0 ? down : up;
            }
            return down.unscaledValue().testBit(0) ? up : down;
        }
        if (downOk) {
            return down;
        }
        return upOk ? up : null;
    }

    /**
     * Writes the ES6 form of {@code ±0.d1d2..dk × 10^n}, where {@code digits[from..from+k)} are the
     * significant digits without leading or trailing zeros.
     */
    static void appendDecimal(boolean negative, byte[] digits, int from, int k, int n, ByteSink out) {
        if (negative) {
            out.write('-');
        }
        if (k <= n && n <= 21) {
            out.write(digits, from, k);
            for (int i = k; i < n; i++) {
                out.write('0');
            }
        } else if (0 < n && n <= 21) {
            out.write(digits, from, n);
            out.write('.');
            out.write(digits, from + n, k - n);
        } else if (-6 < n && n <= 0) {
            out.write('0');
            out.write('.');
            for (int i = n; i < 0; i++) {
                out.write('0');
            }
            out.write(digits, from, k);
        } else {
            int e = n - 1;
            out.write(digits[from]);
            if (k > 1) {
                out.write('.');
                out.write(digits, from + 1, k - 1);
            }
            out.write('e');
            out.write(e < 0 ? '-' : '+');
            out.writeAscii(Integer.toString(Math.abs(e)));
        }
    }
}
