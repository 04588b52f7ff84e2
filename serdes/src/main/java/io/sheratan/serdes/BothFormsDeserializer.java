package io.sheratan.serdes;

import org.apache.kafka.common.serialization.Deserializer;

/** A deserializer named by class over one of {@link SheratanSerdes}' (both wire forms read; nothing to configure). */
abstract class BothFormsDeserializer<T> implements Deserializer<T> {

    private final Deserializer<T> delegate;

    BothFormsDeserializer(Deserializer<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return delegate.deserialize(topic, data);
    }
}
