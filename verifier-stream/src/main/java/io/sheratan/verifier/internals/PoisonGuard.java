package io.sheratan.verifier.internals;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per input partition, which offset is being processed and how many times processing of
 * it has started without finishing. A record that kills the stream thread (an {@link Error} such
 * as {@code OutOfMemoryError} or {@code StackOverflowError}, which no catch in the processor should
 * swallow) is polled again after the thread is replaced; after {@link #MAX_ATTEMPTS} such deaths
 * on the same offset the processor quarantines it (one payload-free audit event) instead of
 * processing it again, so one record cannot stop a partition.
 *
 * <p>Shared by every task of one verifier process and outliving replaced threads. Infrastructure
 * faults (Kafka, RocksDB) do not count: the processor {@link #forgive}s them, because a valid result
 * must never be lost to a broker hiccup. While an offset has failed at least once, {@link #looping()}
 * is true and liveness reports it.
 */
public final class PoisonGuard {

    /** Attempts that may die before the record is quarantined on the next one. */
    public static final int MAX_ATTEMPTS = 3;

    /** Per partition: the offset whose processing started and has not ended. */
    private final Map<String, Long> current = new ConcurrentHashMap<>();
    /** Per partition: offsets whose processing started and never ended, with how often. */
    private final Map<String, Map<Long, Integer>> deaths = new ConcurrentHashMap<>();

    /**
     * Marks the start of processing; returns which attempt on this offset this is (1 = first). When
     * the partition's previous offset never ended, the thread died on it: that counts as a death of
     * that offset (which may differ from this one under exactly-once, where a replaced thread starts
     * again at the last commit).
     */
    public int begin(String topic, int partition, long offset) {
        String tp = topic + "/" + partition;
        Long unfinished = current.put(tp, offset);
        Map<Long, Integer> died = deaths.computeIfAbsent(tp, k -> new ConcurrentHashMap<>());
        if (unfinished != null) {
            died.merge(unfinished, 1, Integer::sum);
        }
        return died.getOrDefault(offset, 0) + 1;
    }

    /** Per partition: offsets whose output the broker refused as too large (see {@code OutputRefusedHandler}). */
    private final Map<String, java.util.Set<Long>> unsendable = new ConcurrentHashMap<>();

    /** The output of this input record was refused as too large: processed again, it ends as malformed. */
    public void markUnsendable(String topic, int partition, long offset) {
        unsendable.computeIfAbsent(topic + "/" + partition, k -> ConcurrentHashMap.newKeySet()).add(offset);
    }

    public boolean unsendable(String topic, int partition, long offset) {
        java.util.Set<Long> marked = unsendable.get(topic + "/" + partition);
        return marked != null && marked.contains(offset);
    }

    /** Processing of this offset ended with an outcome: everything up to it is behind us. */
    public void done(String topic, int partition, long offset) {
        String tp = topic + "/" + partition;
        current.remove(tp, offset);
        java.util.Set<Long> marked = unsendable.get(tp);
        if (marked != null) {
            marked.removeIf(o -> o <= offset);
        }
        Map<Long, Integer> died = deaths.get(tp);
        if (died != null) {
            died.keySet().removeIf(o -> o <= offset);
        }
    }

    /** Processing of this offset failed for a reason outside the record: retried, never counted. */
    public void forgive(String topic, int partition, long offset) {
        current.remove(topic + "/" + partition, offset);
    }

    /** True while some offset has killed processing at least once and has not ended since. */
    public boolean looping() {
        return deaths.values().stream().anyMatch(m -> !m.isEmpty());
    }
}
