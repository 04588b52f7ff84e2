package io.sheratan.tlog;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6962 hashing and the two proof halves: generation (RFC 9162's recursive PATH and SUBPROOF) and
 * verification (its iterative algorithms) must agree for every index and every pair of sizes, refuse
 * every altered hash, and reproduce the worked example of RFC 9162 section 2.1.5.
 */
class MerkleTest {

    private static List<byte[]> leaves(int n) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leaves.add(Merkle.leafHash(("entry " + i).getBytes(StandardCharsets.UTF_8)));
        }
        return leaves;
    }

    @Test
    void shouldHashLeavesAndNodesWithDomainSeparation() {
        // SHA-256(0x00) and SHA-256(0x01 || 0x00*64), computed independently with sha256sum
        assertThat(java.util.HexFormat.of().formatHex(Merkle.leafHash(new byte[0])))
                .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        assertThat(java.util.HexFormat.of().formatHex(Merkle.emptyRoot()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void shouldReproduceTheSevenLeafExampleOfRfc9162() {
        List<byte[]> d = leaves(7);
        byte[] a = d.get(0), b = d.get(1), c = d.get(2), dd = d.get(3), e = d.get(4), f = d.get(5), j = d.get(6);
        byte[] g = Merkle.nodeHash(a, b);
        byte[] h = Merkle.nodeHash(c, dd);
        byte[] i = Merkle.nodeHash(e, f);
        byte[] k = Merkle.nodeHash(g, h);
        byte[] l = Merkle.nodeHash(i, j);
        byte[] root = Merkle.nodeHash(k, l);
        Merkle.HashReader reader = Merkle.inMemory(d);

        assertThat(Merkle.root(reader, 7)).isEqualTo(root);
        assertThat(Merkle.inclusionProof(reader, 0, 7)).containsExactly(b, h, l);
        assertThat(Merkle.inclusionProof(reader, 3, 7)).containsExactly(c, g, l);
        assertThat(Merkle.inclusionProof(reader, 4, 7)).containsExactly(f, j, k);
        assertThat(Merkle.inclusionProof(reader, 6, 7)).containsExactly(i, k);
        assertThat(Merkle.consistencyProof(reader, 3, 7)).containsExactly(c, dd, g, l);
        assertThat(Merkle.consistencyProof(reader, 4, 7)).containsExactly(l);
        assertThat(Merkle.consistencyProof(reader, 6, 7)).containsExactly(i, j, k);

        byte[] root3 = Merkle.nodeHash(g, c);
        assertThat(Merkle.root(reader, 3)).isEqualTo(root3);
        assertThat(Merkle.verifyInclusion(0, 7, a, List.of(b, h, l), root)).isTrue();
        assertThat(Merkle.verifyConsistency(3, 7, root3, root, List.of(c, dd, g, l))).isTrue();
    }

    @Test
    void shouldAgreeBetweenGenerationAndVerificationForEveryIndexAndSize() {
        List<byte[]> all = leaves(70);
        Merkle.HashReader reader = Merkle.inMemory(all);
        for (int size = 1; size <= all.size(); size++) {
            byte[] root = Merkle.root(reader, size);
            for (int index = 0; index < size; index++) {
                List<byte[]> proof = Merkle.inclusionProof(reader, index, size);
                assertThat(Merkle.verifyInclusion(index, size, all.get(index), proof, root)).as("%d in %d", index, size).isTrue();
                assertThat(Merkle.verifyInclusion(index, size, all.get((index + 1) % size), proof, root)).isEqualTo(size == 1);
            }
            for (int old = 0; old <= size; old++) {
                List<byte[]> proof = Merkle.consistencyProof(reader, old, size);
                byte[] oldRoot = Merkle.root(reader, old);
                assertThat(Merkle.verifyConsistency(old, size, oldRoot, root, proof)).as("%d to %d", old, size).isTrue();
            }
        }
    }

    @Test
    void shouldRefuseEveryAlteredProof() {
        List<byte[]> all = leaves(37);
        Merkle.HashReader reader = Merkle.inMemory(all);
        byte[] root = Merkle.root(reader, 37);
        List<byte[]> proof = Merkle.inclusionProof(reader, 21, 37);
        for (int i = 0; i < proof.size(); i++) {
            List<byte[]> altered = new ArrayList<>(proof);
            byte[] flipped = altered.get(i).clone();
            flipped[5] ^= 1;
            altered.set(i, flipped);
            assertThat(Merkle.verifyInclusion(21, 37, all.get(21), altered, root)).isFalse();
        }
        assertThat(Merkle.verifyInclusion(21, 37, all.get(21), proof.subList(0, proof.size() - 1), root)).isFalse();
        List<byte[]> longer = new ArrayList<>(proof);
        longer.add(root);
        assertThat(Merkle.verifyInclusion(21, 37, all.get(21), longer, root)).isFalse();
        assertThat(Merkle.verifyInclusion(37, 37, all.get(21), proof, root)).isFalse();

        List<byte[]> consistency = Merkle.consistencyProof(reader, 13, 37);
        byte[] old = Merkle.root(reader, 13);
        for (int i = 0; i < consistency.size(); i++) {
            List<byte[]> altered = new ArrayList<>(consistency);
            byte[] flipped = altered.get(i).clone();
            flipped[0] ^= 0x40;
            altered.set(i, flipped);
            assertThat(Merkle.verifyConsistency(13, 37, old, root, altered)).isFalse();
        }
        assertThat(Merkle.verifyConsistency(12, 37, old, root, consistency)).isFalse();
        assertThat(Merkle.verifyConsistency(13, 37, Merkle.root(reader, 14), root, consistency)).isFalse();
        assertThat(Merkle.verifyConsistency(13, 37, old, root, List.of())).isFalse();
        assertThat(Merkle.verifyConsistency(37, 13, root, old, consistency)).isFalse();
    }
}
