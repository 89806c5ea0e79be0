using System.Text.Json;

namespace ChatWeb.Tests.Engine.Constraints;

/// <summary>An independent check of a JSON value against the schema subset the tests use (type, properties, required, additionalProperties false, enum, maxLength, items, maxItems, anyOf).</summary>
internal static class SchemaCheck
{
    public static string? Problem(JsonElement value, JsonElement schema, string at = "$")
    {
        if (schema.TryGetProperty("anyOf", out var options))
            return options.EnumerateArray().Any(o => Problem(value, o, at) is null) ? null : $"{at}: matches no anyOf option";
        if (schema.TryGetProperty("enum", out var members))
            return members.EnumerateArray().Any(m => JsonElement.DeepEquals(m, value)) ? null : $"{at}: not in enum";
        if (!schema.TryGetProperty("type", out var type))
            return null;
        switch (type.GetString())
        {
            case "object":
                if (value.ValueKind != JsonValueKind.Object) return $"{at}: not an object";
                var properties = schema.GetProperty("properties");
                foreach (var required in schema.GetProperty("required").EnumerateArray())
                    if (!value.TryGetProperty(required.GetString()!, out _)) return $"{at}: missing {required}";
                foreach (var p in value.EnumerateObject())
                {
                    if (!properties.TryGetProperty(p.Name, out var sub)) return $"{at}: unexpected property {p.Name}";
                    if (Problem(p.Value, sub, $"{at}.{p.Name}") is { } problem) return problem;
                }
                return null;
            case "array":
                if (value.ValueKind != JsonValueKind.Array) return $"{at}: not an array";
                if (schema.TryGetProperty("maxItems", out var max) && value.GetArrayLength() > max.GetInt32()) return $"{at}: too many items";
                return value.EnumerateArray().Select((item, i) => Problem(item, schema.GetProperty("items"), $"{at}[{i}]")).FirstOrDefault(p => p is not null);
            case "string":
                if (value.ValueKind != JsonValueKind.String) return $"{at}: not a string";
                return schema.TryGetProperty("maxLength", out var length) && value.GetString()!.Length > length.GetInt32() ? $"{at}: too long" : null;
            case "integer":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _) ? null : $"{at}: not an integer";
            case "number":
                return value.ValueKind == JsonValueKind.Number ? null : $"{at}: not a number";
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{at}: not a boolean";
            case "null":
                return value.ValueKind == JsonValueKind.Null ? null : $"{at}: not null";
            default:
                return $"{at}: unknown type in the test's schema";
        }
    }
}
