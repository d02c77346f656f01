package org.dataexport.job.data;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.dataexport.job.failure.CallerText;
import org.dataexport.job.request.InvalidRequestException;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Locale;
import java.util.Set;

/**
 * A request's {@code filter}, parsed by Spark's own SQL parser into an expression tree that is then
 * allowed node by node: column references, literals, comparisons, boolean and arithmetic operators,
 * CAST, CASE, LIKE, and a list of plain functions. Everything else (subqueries, table references,
 * {@code reflect} and {@code java_method}, file readers, regular expressions, aggregates, lambdas,
 * parameters) is refused. The tree that was checked is the one that runs: the text is never pasted
 * into SQL.
 */
final class FilterExpression {
    static final String FIELD = "filter";
    private static final int MAX_DEPTH = 64;

    private static final Set<String> NODES = Set.of(
            "Literal", "UnresolvedAttribute", "UnresolvedExtractValue",
            "And", "Or", "Not", "EqualTo", "EqualNullSafe", "LessThan", "LessThanOrEqual", "GreaterThan", "GreaterThanOrEqual",
            "In", "IsNull", "IsNotNull", "Like", "ILike", "Between",
            "Add", "Subtract", "Multiply", "Divide", "IntegralDivide", "Remainder", "UnaryMinus", "UnaryPositive",
            "Cast", "CaseWhen", "If", "Concat", "UnresolvedFunction");

    private static final Set<String> FUNCTIONS = Set.of(
            "abs", "between", "ceil", "ceiling", "char_length", "character_length", "coalesce", "concat", "contains",
            "date", "date_add", "date_sub", "date_trunc", "datediff", "day", "dayofmonth", "dayofweek", "dayofyear",
            "element_at", "endswith", "floor", "greatest", "hour", "if", "ifnull", "instr", "isnan", "isnotnull", "isnull",
            "array_contains", "least", "length", "lower", "lcase", "ltrim", "make_date", "minute", "month", "nullif", "nvl",
            "octet_length", "quarter", "round", "rtrim", "second", "sign", "signum", "size", "startswith", "substr",
            "substring", "timestamp", "to_date", "to_timestamp", "trim", "upper", "ucase", "weekofyear", "year");

    private FilterExpression() {
    }

    static Expression parse(SparkSession spark, String text) {
        if (nesting(text) > MAX_DEPTH) {
            throw new InvalidRequestException(FIELD, "nests parentheses more than " + MAX_DEPTH + " deep");
        }
        Expression expression;
        try {
            expression = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().sqlParser().parseExpression(text);
        } catch (ParseException | RuntimeException | StackOverflowError e) {
            throw new InvalidRequestException(FIELD, "is not a Spark SQL expression"
                    + (e instanceof ParseException parse && parse.getErrorClass() != null ? " (" + parse.getErrorClass() + ")" : ""));
        }
        check(expression, 0);
        return expression;
    }

    private static void check(Expression node, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidRequestException(FIELD, "nests more than " + MAX_DEPTH + " expressions deep");
        }
        String kind = node.getClass().getSimpleName();
        if (!NODES.contains(kind)) {
            throw new InvalidRequestException(FIELD, "may not use " + kind.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT)
                    + ": only columns, literals, comparisons, AND/OR/NOT, arithmetic, CAST, CASE, LIKE and plain functions are allowed");
        }
        if (node instanceof UnresolvedFunction function) {
            String name = String.join(".", CollectionConverters.asJava(function.nameParts())).toLowerCase(Locale.ROOT);
            if (!FUNCTIONS.contains(name) || function.isDistinct() || function.filter().isDefined()) {
                throw new InvalidRequestException(FIELD, "may not call " + CallerText.quote(name)
                        + "; the functions allowed are " + String.join(", ", new java.util.TreeSet<>(FUNCTIONS)));
            }
        }
        for (Expression child : CollectionConverters.asJava(node.children())) {
            check(child, depth + 1);
        }
    }

    /** The deepest parenthesis nesting outside quoted text, before the parser (which recurses on it) sees it. */
    private static int nesting(String text) {
        int depth = 0;
        int deepest = 0;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '(') {
                deepest = Math.max(deepest, ++depth);
            } else if (c == ')') {
                depth--;
            }
        }
        return deepest;
    }
}
