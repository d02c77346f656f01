package org.dataexport.job.write;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/** Getters of private fields of Spark's and parquet-java's classes: what they know and do not expose. */
final class PrivateFields {
    private PrivateFields() {
    }

    /**
     * A getter of {@code owner}'s field {@code name}, typed {@code (Object) -> type}; where the field is
     * not there (another version of the library), a getter of {@code absent}, so that the caller takes
     * its ordinary way.
     */
    static MethodHandle getter(Class<?> owner, String name, Class<?> type, Object absent) {
        try {
            java.lang.reflect.Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(field).asType(MethodType.methodType(type, Object.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return MethodHandles.dropArguments(MethodHandles.constant(type, absent), 0, Object.class);
        }
    }
}
