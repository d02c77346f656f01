package org.dataexport.job.request;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Strict reader of one JSON object: every accessor checks the type, every error names the field by
 * its full path, and {@link #rejectUnknownFields()} refuses any field nobody asked for. JSON null is
 * treated as absent.
 */
final class JsonFields {
    private final JsonNode object;
    private final String path;
    private final Set<String> known = new HashSet<>();

    private JsonFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    static JsonFields root(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("", "the request body must be a JSON object");
        }
        return new JsonFields(node, "");
    }

    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private Optional<JsonNode> value(String name) {
        known.add(name);
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
    }

    Optional<String> optionalString(String name) {
        return value(name).map(node -> {
            if (!node.isTextual()) {
                throw new InvalidRequestException(path(name), "must be a string");
            }
            return node.textValue();
        });
    }

    String requiredString(String name) {
        String value = optionalString(name).orElseThrow(() -> new InvalidRequestException(path(name), "is required"));
        if (value.isBlank()) {
            throw new InvalidRequestException(path(name), "must not be empty");
        }
        return value;
    }

    Optional<Boolean> optionalBoolean(String name) {
        return value(name).map(node -> {
            if (!node.isBoolean()) {
                throw new InvalidRequestException(path(name), "must be true or false");
            }
            return node.booleanValue();
        });
    }

    /** A non-negative whole number; absent, null and 0 all mean "not set" and give 0. */
    long optionalNonNegativeLong(String name) {
        return value(name).map(node -> {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw new InvalidRequestException(path(name), "must be a whole number (got " + describe(node) + ")");
            }
            long value = node.longValue();
            if (value < 0) {
                throw new InvalidRequestException(path(name), "must be >= 0 (got " + value + ")");
            }
            return value;
        }).orElse(0L);
    }

    Optional<JsonFields> optionalObject(String name) {
        return value(name).map(node -> {
            if (!node.isObject()) {
                throw new InvalidRequestException(path(name), "must be an object");
            }
            return new JsonFields(node, path(name));
        });
    }

    JsonFields requiredObject(String name) {
        return optionalObject(name).orElseThrow(() -> new InvalidRequestException(path(name), "is required"));
    }

    List<String> requiredStringArray(String name) {
        JsonNode node = value(name).orElseThrow(() -> new InvalidRequestException(path(name), "is required"));
        if (!node.isArray()) {
            throw new InvalidRequestException(path(name), "must be an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw new InvalidRequestException(path(name) + "[" + i + "]", "must be a string");
            }
            values.add(node.get(i).textValue());
        }
        return values;
    }

    /** An optional array of strings; absent or null gives an empty list. */
    List<String> optionalStringArray(String name) {
        return value(name).isPresent() ? requiredStringArray(name) : List.of();
    }

    /** The raw value, for fields that take more than one JSON type; absent or null gives empty. */
    Optional<JsonNode> optionalNode(String name) {
        return value(name);
    }

    /** Every field of the object, each of which must be a string. */
    java.util.Map<String, String> stringValues() {
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
        for (Iterator<java.util.Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            java.util.Map.Entry<String, JsonNode> field = fields.next();
            known.add(field.getKey());
            if (!field.getValue().isTextual()) {
                throw new InvalidRequestException(path(org.dataexport.job.failure.CallerText.escape(field.getKey())), "must be a string");
            }
            values.put(field.getKey(), field.getValue().textValue());
        }
        return values;
    }

    void rejectUnknownFields() {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidRequestException(path(org.dataexport.job.failure.CallerText.escape(name)), "unknown field");
            }
        }
    }

    private static String describe(JsonNode node) {
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isNumber()) {
            return node.isIntegralNumber() ? "a number out of range" : "a fractional number";
        }
        return "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
