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

    /** Per partition: what is being processed, what died, what the broker refused. */
    private final Map<Partition, State> partitions = new ConcurrentHashMap<>();
    /** Set once any death was counted: until then {@link #looping()} needs to look at nothing. */
    private volatile boolean dead;

    /** A partition as a map key (no string built per record). */
    private record Partition(String topic, int partition) {
    }

    /** One partition's bookkeeping; its tasks run on one thread at a time, the lock is uncontended. */
    private static final class State {
        /** The offset whose processing started and has not ended, or -1. */
        long current = -1;
        /** Offsets whose processing started and never ended, with how often; null while none did. */
        Map<Long, Integer> deaths;
        /** Offsets whose output the broker refused as too large; null while none was. */
        java.util.Set<Long> unsendable;
    }

    private State state(String topic, int partition) {
        Partition key = new Partition(topic, partition);
        State state = partitions.get(key);
        return state != null ? state : partitions.computeIfAbsent(key, k -> new State());
    }

    /**
     * Marks the start of processing; returns which attempt on this offset this is (1 = first). When
     * the partition's previous offset never ended, the thread died on it: that counts as a death of
     * that offset (which may differ from this one under exactly-once, where a replaced thread starts
     * again at the last commit).
     */
    public int begin(String topic, int partition, long offset) {
        State state = state(topic, partition);
        synchronized (state) {
            long unfinished = state.current;
            state.current = offset;
            if (unfinished >= 0) {
                if (state.deaths == null) {
                    state.deaths = new java.util.HashMap<>();
                }
                state.deaths.merge(unfinished, 1, Integer::sum);
                dead = true;
            }
            return state.deaths == null ? 1 : state.deaths.getOrDefault(offset, 0) + 1;
        }
    }

    /** The output of this input record was refused as too large: processed again, it ends as malformed. */
    public void markUnsendable(String topic, int partition, long offset) {
        State state = state(topic, partition);
        synchronized (state) {
            if (state.unsendable == null) {
                state.unsendable = new java.util.HashSet<>();
            }
            state.unsendable.add(offset);
        }
    }

    public boolean unsendable(String topic, int partition, long offset) {
        State state = partitions.get(new Partition(topic, partition));
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.unsendable != null && state.unsendable.contains(offset);
        }
    }

    /** Processing of this offset ended with an outcome: everything up to it is behind us. */
    public void done(String topic, int partition, long offset) {
        State state = state(topic, partition);
        synchronized (state) {
            if (state.current == offset) {
                state.current = -1;
            }
            if (state.unsendable != null) {
                state.unsendable.removeIf(o -> o <= offset);
                if (state.unsendable.isEmpty()) {
                    state.unsendable = null;
                }
            }
            if (state.deaths != null) {
                state.deaths.keySet().removeIf(o -> o <= offset);
                if (state.deaths.isEmpty()) {
                    state.deaths = null;
                }
            }
        }
    }

    /** Processing of this offset failed for a reason outside the record: retried, never counted. */
    public void forgive(String topic, int partition, long offset) {
        State state = state(topic, partition);
        synchronized (state) {
            if (state.current == offset) {
                state.current = -1;
            }
        }
    }

    /** True while some offset has killed processing at least once and has not ended since. */
    public boolean looping() {
        if (!dead) {
            return false;
        }
        for (State state : partitions.values()) {
            synchronized (state) {
                if (state.deaths != null) {
                    return true;
                }
            }
        }
        return false;
    }
}
