package io.sheratan.verifier.internals;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The query table's store with a restore that applies the table's rule (DESIGN 4, foreign records):
 * Kafka Streams restores a read-only store from its source topic by copying records into it, past
 * the {@link VerifiedTable} processor (KAFKA-18972), so a foreign tombstone or junk value on the
 * verified topic would delete or hide a verified result after any restore (a lost state directory,
 * a {@code kill -9} under exactly-once). Here the restore callback the inner store registers is
 * wrapped: tombstones and values that are not a verified result for their key are dropped.
 *
 * <p>The callback is reached through the store context, handed to the inner store as a proxy of the
 * same interfaces that only wraps {@code register}. Everything else is delegated as it is.
 */
public final class RestoreFilteringStore implements KeyValueStore<Bytes, byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreFilteringStore.class);
    private final KeyValueStore<Bytes, byte[]> inner;

    private RestoreFilteringStore(KeyValueStore<Bytes, byte[]> inner) {
        this.inner = inner;
    }

    /** A supplier of {@code inner}'s stores, each restored through the filter. */
    public static KeyValueBytesStoreSupplier wrap(KeyValueBytesStoreSupplier inner) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new RestoreFilteringStore(inner.get());
            }

            @Override
            public String metricsScope() {
                return inner.metricsScope();
            }
        };
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(filteringContext(context), root);
    }

    private static StateStoreContext filteringContext(StateStoreContext context) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = context.getClass(); c != null; c = c.getSuperclass()) {
            collect(c, interfaces);
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "filtering " + context;
                };
            }
            if (method.getName().equals("register") && args != null && args.length >= 2 && args[1] instanceof StateRestoreCallback callback) {
                args = args.clone();
                args[1] = filtering(callback);
            }
            try {
                return method.invoke(context, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (StateStoreContext) Proxy.newProxyInstance(RestoreFilteringStore.class.getClassLoader(), interfaces.toArray(Class<?>[]::new), handler);
    }

    private static void collect(Class<?> type, Set<Class<?>> into) {
        for (Class<?> i : type.getInterfaces()) {
            if (into.add(i)) {
                collect(i, into);
            }
        }
    }

    private static StateRestoreCallback filtering(StateRestoreCallback callback) {
        if (!(callback instanceof RecordBatchingStateRestoreCallback batching)) {
            LOG.warn("the query table's store restores in a way this release does not filter ({}); foreign records on the verified topic "
                    + "are copied as they are", callback.getClass().getName());
            return callback;
        }
        return (RecordBatchingStateRestoreCallback) records -> batching.restoreBatch(kept(records));
    }

    static List<ConsumerRecord<byte[], byte[]>> kept(Collection<ConsumerRecord<byte[], byte[]>> records) {
        List<ConsumerRecord<byte[], byte[]>> kept = new ArrayList<>(records.size());
        int dropped = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.key() != null && record.value() != null
                    && VerifiedTable.isResultFor(new String(record.key(), StandardCharsets.UTF_8), record.value())) {
                kept.add(record);
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            LOG.warn("restoring the query table: {} record(s) of the verified topic dropped (tombstones or not a verified result for their key)",
                    dropped);
        }
        return kept;
    }

    // ------------------------------------------------------------------ the rest is the inner store's

    @Override
    public void put(Bytes key, byte[] value) {
        inner.put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        return inner.putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        inner.putAll(entries);
    }

    @Override
    public byte[] delete(Bytes key) {
        return inner.delete(key);
    }

    @Override
    public byte[] get(Bytes key) {
        return inner.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return inner.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return inner.all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return inner.reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS serializer) {
        return inner.prefixScan(prefix, serializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void flush() {
        inner.flush();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }
}
