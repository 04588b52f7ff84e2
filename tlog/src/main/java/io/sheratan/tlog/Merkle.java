package io.sheratan.tlog;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing: leaf hash {@code SHA-256(0x00 || entry)}, node hash
 * {@code SHA-256(0x01 || left || right)}; inclusion and consistency proofs built from any
 * {@link HashReader} (the stored tiles, or a list in memory) and checked with nothing but hashes.
 *
 * <p>Proof generation follows the recursive definitions of RFC 9162 section 2.1.3.1 and 2.1.4.1 (PATH
 * and SUBPROOF) over perfect subtrees; verification follows the iterative algorithms of 2.1.3.2 and
 * 2.1.4.2, so that the two halves are independent implementations that must agree.
 */
public final class Merkle {

    public static final int HASH_SIZE = 32;

    private Merkle() {
    }

    /** The hash of the perfect subtree of height {@code level} whose leftmost leaf is {@code index << level}. */
    @FunctionalInterface
    public interface HashReader {
        byte[] hash(int level, long index);
    }

    /** One digest per thread: looking the algorithm up costs more than hashing a small entry. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Merkle::sha256);

    public static byte[] leafHash(byte[] entry) {
        MessageDigest sha = SHA256.get();
        sha.update((byte) 0);
        sha.update(entry);
        return sha.digest();
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest sha = SHA256.get();
        sha.update((byte) 1);
        sha.update(left);
        sha.update(right);
        return sha.digest();
    }

    /** The RFC 6962 root of an empty tree: SHA-256 of nothing. */
    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this runtime", e);
        }
    }

    /** The largest power of two smaller than n (n > 1). */
    static long split(long n) {
        return Long.highestOneBit(n - 1);
    }

    // ------------------------------------------------------------------ generation

    /** MTH(D[lo:hi]) where lo is aligned as RFC 9162's recursion leaves it. */
    public static byte[] rangeHash(HashReader reader, long lo, long hi) {
        long n = hi - lo;
        if (n <= 0) {
            throw new IllegalArgumentException("empty range " + lo + ".." + hi);
        }
        if (Long.bitCount(n) == 1 && lo % n == 0) {
            int level = Long.numberOfTrailingZeros(n);
            return reader.hash(level, lo >>> level);
        }
        long k = split(n);
        return nodeHash(rangeHash(reader, lo, lo + k), rangeHash(reader, lo + k, hi));
    }

    /** The root of the first {@code size} leaves. */
    public static byte[] root(HashReader reader, long size) {
        return size == 0 ? emptyRoot() : rangeHash(reader, 0, size);
    }

    /** PATH(index, D[0:size]): the audit path, from the leaf's sibling up to the root's child. */
    public static List<byte[]> inclusionProof(HashReader reader, long index, long size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index " + index + " is not in a tree of size " + size);
        }
        List<byte[]> proof = new ArrayList<>();
        path(reader, index, 0, size, proof);
        return proof;
    }

    private static void path(HashReader reader, long m, long lo, long hi, List<byte[]> proof) {
        if (hi - lo == 1) {
            return;
        }
        long k = split(hi - lo);
        if (m < lo + k) {
            path(reader, m, lo, lo + k, proof);
            proof.add(rangeHash(reader, lo + k, hi));
        } else {
            path(reader, m, lo + k, hi, proof);
            proof.add(rangeHash(reader, lo, lo + k));
        }
    }

    /** PROOF(oldSize, D[0:newSize]): empty when the sizes are equal or the old tree is empty. */
    public static List<byte[]> consistencyProof(HashReader reader, long oldSize, long newSize) {
        if (oldSize < 0 || oldSize > newSize) {
            throw new IllegalArgumentException("no consistency proof from size " + oldSize + " to " + newSize);
        }
        List<byte[]> proof = new ArrayList<>();
        if (oldSize > 0 && oldSize < newSize) {
            subproof(reader, oldSize, 0, newSize, true, proof);
        }
        return proof;
    }

    private static void subproof(HashReader reader, long m, long lo, long hi, boolean whole, List<byte[]> proof) {
        long n = hi - lo;
        if (m == n) {
            if (!whole) {
                proof.add(rangeHash(reader, lo, hi));
            }
            return;
        }
        long k = split(n);
        if (m <= k) {
            subproof(reader, m, lo, lo + k, whole, proof);
            proof.add(rangeHash(reader, lo + k, hi));
        } else {
            subproof(reader, m - k, lo + k, hi, false, proof);
            proof.add(rangeHash(reader, lo, lo + k));
        }
    }

    // ------------------------------------------------------------------ verification

    /** RFC 9162 section 2.1.3.2: does {@code proof} bind {@code leafHash} at {@code index} to {@code root}? */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size || leafHash == null || root == null) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0 || p.length != HASH_SIZE) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /** RFC 9162 section 2.1.4.2: does the tree of {@code newSize} with {@code newRoot} extend the one of {@code oldSize}? */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
        if (oldSize < 0 || oldSize > newSize || oldRoot == null || newRoot == null) {
            return false;
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && Arrays.equals(oldRoot, newRoot);
        }
        if (oldSize == 0) {
            return proof.isEmpty(); // every tree extends the empty one
        }
        if (proof.isEmpty()) {
            return false;
        }
        for (byte[] p : proof) {
            if (p.length != HASH_SIZE) {
                return false;
            }
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(oldSize) == 1) {
            path.add(0, oldRoot);
        }
        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && Arrays.equals(fr, oldRoot) && Arrays.equals(sr, newRoot);
    }

    /** A reader over leaf hashes held in memory (tests, small trees, {@code verify-log}). */
    public static HashReader inMemory(List<byte[]> leafHashes) {
        return (level, index) -> {
            long lo = index << level;
            long hi = lo + (1L << level);
            if (hi > leafHashes.size()) {
                throw new IllegalArgumentException("subtree " + level + "/" + index + " is beyond " + leafHashes.size() + " leaves");
            }
            return perfect(leafHashes, (int) lo, level);
        };
    }

    private static byte[] perfect(List<byte[]> leaves, int lo, int level) {
        if (level == 0) {
            return leaves.get(lo);
        }
        int half = 1 << (level - 1);
        return nodeHash(perfect(leaves, lo, level - 1), perfect(leaves, lo + half, level - 1));
    }

    /** The root of a perfect run of {@code count} (a power of two) hashes, stored back to back from {@code offset}. */
    public static byte[] perfectRoot(byte[] hashes, int offset, int count) {
        if (count == 1) {
            return Arrays.copyOfRange(hashes, offset, offset + HASH_SIZE);
        }
        int half = count / 2;
        return nodeHash(perfectRoot(hashes, offset, half), perfectRoot(hashes, offset + half * HASH_SIZE, half));
    }
}
