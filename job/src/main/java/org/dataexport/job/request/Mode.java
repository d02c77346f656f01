package org.dataexport.job.request;

public enum Mode {
    MULTI_FILE("multi_file"),
    SINGLE_FILE("single_file");

    private final String apiName;

    Mode(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    static Mode parse(String field, String value) {
        for (Mode mode : values()) {
            if (mode.apiName.equals(value)) {
                return mode;
            }
        }
        throw new InvalidRequestException(field, "must be \"multi_file\" or \"single_file\" (got " + org.dataexport.job.failure.CallerText.quote(value) + ")");
    }
}
