package io.sheratan.serdes;

import io.sheratan.avro.codec.OutputFormat;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A serializer named by class, whose wire form is the client setting {@value #FORMAT} ({@code avro},
 * the default, or {@code json}), as {@code SHERATAN_OUTPUT_FORMAT} is for the services.
 */
abstract class FormatSerializer<T> implements Serializer<T> {

    /** The client setting that chooses the form written: {@code avro} (default) or {@code json}. */
    static final String FORMAT = "sheratan.output.format";

    private final Function<OutputFormat, Serializer<T>> forms;
    private Serializer<T> delegate;

    FormatSerializer(Function<OutputFormat, Serializer<T>> forms, OutputFormat standard) {
        this.forms = forms;
        this.delegate = forms.apply(standard);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object value = configs.get(FORMAT);
        if (value != null) {
            String text = value.toString().trim().toLowerCase(Locale.ROOT);
            if (!text.equals("avro") && !text.equals("json")) {
                throw new ConfigException(FORMAT, value, "must be avro or json");
            }
            delegate = forms.apply(text.equals("json") ? OutputFormat.JSON : OutputFormat.AVRO);
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return delegate.serialize(topic, data);
    }
}
