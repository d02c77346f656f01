package org.dataexport.launcher;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The tests' independent reader: a query over written files, answered by an in-memory DuckDB. */
final class DuckDb {
    private DuckDb() {
    }

    /** Each row of the answer as text, its columns joined by {@code |}. */
    static List<String> rows(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i == 1 ? "" : "|").append(rows.getString(i));
                }
                values.add(row.toString());
            }
        }
        return values;
    }
}
