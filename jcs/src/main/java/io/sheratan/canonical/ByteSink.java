package io.sheratan.canonical;

import java.util.Arrays;

/** A growable byte buffer that the canonicalizer reuses between documents to avoid garbage. */
final class ByteSink {

    private byte[] buffer;
    private int size;

    ByteSink(int initialCapacity) {
        buffer = new byte[initialCapacity];
    }

    byte[] buffer() {
        return buffer;
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    void truncate(int newSize) {
        size = newSize;
    }

    void write(int b) {
        if (size == buffer.length) {
            grow(1);
        }
        buffer[size++] = (byte) b;
    }

    void write(byte[] source, int offset, int length) {
        if (size + length > buffer.length) {
            grow(length);
        }
        System.arraycopy(source, offset, buffer, size, length);
        size += length;
    }

    void writeAscii(String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            write(ascii.charAt(i));
        }
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    private void grow(int needed) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + needed));
    }
}
