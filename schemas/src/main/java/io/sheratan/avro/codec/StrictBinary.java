package io.sheratan.avro.codec;

import org.apache.avro.Schema;

/**
 * One reading of Avro binary for every implementation: before a record is decoded, its bytes are
 * walked along the writer's schema and every zig-zag varint (ints, longs, lengths, union branches,
 * enum symbols, block counts) must be in its shortest form and fit its type: an {@code int} in at
 * most 5 bytes and 32 bits, a {@code long} in at most 10 bytes and 64 bits, and no last byte 0x00
 * after a continuation byte. Avro's own decoder reads {@code 80 80 80 80 80 80 80 80 80 02} as 0,
 * Python's as 2^63 and JavaScript's as NaN; the verifier and both clients refuse it (and {@code 80 00},
 * a second spelling of 0), and a boolean byte other than 00 or 01, as the same {@code malformed}. Allocates nothing; a length beyond the data
 * is refused too (DESIGN.md 4: bytes that are not an envelope are {@code malformed}).
 */
public final class StrictBinary {

    /** A varint or length that the strict reading refuses; the message names the byte offset, never record bytes. */
    public static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final long MAX_COLLECTION_ITEMS = Long.parseLong(AvroCodec.MAX_COLLECTION_ITEMS);

    private final byte[] data;
    private final int end;
    private int pos;

    private StrictBinary(byte[] data, int offset, int end) {
        this.data = data;
        this.pos = offset;
        this.end = end;
    }

    /** Walks {@code data[offset, end)} as one datum of {@code writer}; throws at the first refused varint. */
    public static void check(Schema writer, byte[] data, int offset, int end) throws RefusedException {
        StrictBinary in = new StrictBinary(data, offset, end);
        in.datum(writer, 0);
        if (in.pos != end) {
            throw new RefusedException("trailing bytes after the Avro record");
        }
    }

    private void datum(Schema schema, int depth) throws RefusedException {
        if (depth > 64) {
            throw new RefusedException("Avro schema nested too deeply");
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> {
                skip(1);
                if ((data[pos - 1] & 0xFF) > 1) { // Java's Avro reads 0x02 as false, avsc as true
                    throw new RefusedException("a boolean that is neither 00 nor 01 at byte " + (pos - 1));
                }
            }
            case INT -> varint(5, 32);
            case LONG -> varint(10, 64);
            case FLOAT -> skip(4);
            case DOUBLE -> skip(8);
            case STRING, BYTES -> skip(length());
            case FIXED -> skip(schema.getFixedSize());
            case ENUM -> {
                long symbol = varint(5, 32);
                if (symbol < 0 || symbol >= schema.getEnumSymbols().size()) {
                    throw new RefusedException("enum symbol " + symbol + " out of range at byte " + pos);
                }
            }
            case UNION -> {
                long branch = varint(5, 32);
                if (branch < 0 || branch >= schema.getTypes().size()) {
                    throw new RefusedException("union branch " + branch + " out of range at byte " + pos);
                }
                datum(schema.getTypes().get((int) branch), depth + 1);
            }
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    datum(field.schema(), depth + 1);
                }
            }
            case ARRAY -> blocks(schema.getElementType(), false, depth);
            case MAP -> blocks(schema.getValueType(), true, depth);
        }
    }

    private void blocks(Schema item, boolean map, int depth) throws RefusedException {
        while (true) {
            long count = varint(10, 64);
            if (count == 0) {
                return;
            }
            if (count < 0) {
                count = -count;
                if (count < 0) {
                    throw new RefusedException("block count out of range at byte " + pos);
                }
                long size = varint(10, 64);
                if (size < 0) {
                    throw new RefusedException("negative block size at byte " + pos);
                }
            }
            if (count > MAX_COLLECTION_ITEMS) { // Avro's own limit; items of no bytes (null) would otherwise loop for ever
                throw new RefusedException("a block of " + count + " items, more than " + MAX_COLLECTION_ITEMS);
            }
            for (long i = 0; i < count; i++) {
                if (pos >= end) {
                    throw new RefusedException("truncated Avro record (a block count runs past the data)");
                }
                if (map) {
                    skip(length());
                }
                datum(item, depth + 1);
            }
        }
    }

    private long length() throws RefusedException {
        long length = varint(10, 64);
        if (length < 0) {
            throw new RefusedException("negative length at byte " + pos);
        }
        return length;
    }

    private void skip(long bytes) throws RefusedException {
        if (bytes > end - pos) {
            throw new RefusedException("truncated Avro record (a length or the body runs past the data)");
        }
        pos += (int) bytes;
    }

    /** A zig-zag varint of at most {@code maxBytes} bytes and {@code bits} bits, in its shortest form. */
    private long varint(int maxBytes, int bits) throws RefusedException {
        int start = pos;
        long raw = 0;
        for (int i = 0; ; i++) {
            if (pos >= end) {
                throw new RefusedException("truncated Avro record (a varint runs past the data)");
            }
            int b = data[pos++] & 0xFF;
            if (i == maxBytes - 1) {
                // the last possible byte holds the top bits only: 4 of an int (32 = 4*7 + 4), 1 of a long (64 = 9*7 + 1)
                int topBits = bits - 7 * i;
                if ((b & 0x80) != 0 || b >>> topBits != 0) {
                    throw new RefusedException("overlong varint at byte " + start + " (more than " + bits + " bits)");
                }
            }
            raw |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new RefusedException("overlong varint at byte " + start + " (not in its shortest form)");
                }
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
    }
}
