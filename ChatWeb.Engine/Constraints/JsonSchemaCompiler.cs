using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatWeb.Engine.Constraints;

/// <summary>
/// Compiles a JSON schema into a <see cref="JsonNode"/> grammar. Supported: <c>type</c> (one or a list),
/// object <c>properties</c>/<c>required</c>/<c>additionalProperties</c>, string <c>minLength</c>/<c>maxLength</c>,
/// <c>enum</c>, <c>const</c>, array <c>items</c>/<c>minItems</c>/<c>maxItems</c>, <c>anyOf</c>/<c>oneOf</c>, local
/// <c>$ref</c>s into <c>$defs</c>/<c>definitions</c> (not recursive). Annotations (<c>title</c>, <c>description</c>,
/// <c>format</c>, ...) are ignored; a keyword that limits values in a way the grammar cannot guarantee is refused.
/// Properties not declared are never generated (as with <c>additionalProperties: false</c>) unless
/// <c>additionalProperties</c> is true or a schema.
/// </summary>
internal static class JsonSchemaCompiler
{
    /// <summary>Longest string generated when the schema sets no maxLength: long enough for a paragraph, short enough that a wandering model ends.</summary>
    public const int DefaultMaxLength = 2000;

    /// <summary>Most items generated when the schema sets no maxItems.</summary>
    public const int DefaultMaxItems = 100;

    private const int MaxDepth = 32;

    private static readonly string[] Refused =
    [
        "pattern", "patternProperties", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "allOf", "not", "if", "then", "else", "minProperties", "maxProperties", "prefixItems", "contains", "dependentRequired",
        "dependentSchemas", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
    ];

    public static JsonNode Compile(JsonElement schema) => Compile(schema, schema, "#", 0);

    private static JsonNode Compile(JsonElement schema, JsonElement root, string at, int depth)
    {
        if (depth > MaxDepth)
            throw new JsonSchemaException($"The schema nests deeper than {MaxDepth} levels at {at} (a recursive $ref?); ChatWeb supports only non-recursive schemas.");
        if (schema.ValueKind == JsonValueKind.True)
            return JsonNode.Any;
        if (schema.ValueKind != JsonValueKind.Object)
            throw new JsonSchemaException($"The schema at {at} must be an object (or true).");

        foreach (var keyword in Refused)
        {
            if (schema.TryGetProperty(keyword, out _))
                throw new JsonSchemaException($"The keyword '{keyword}' at {at} is not supported by ChatWeb's constrained decoding.");
        }
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
            throw new JsonSchemaException($"The keyword 'uniqueItems' at {at} is not supported by ChatWeb's constrained decoding.");

        if (schema.TryGetProperty("$ref", out var reference))
            return Compile(Resolve(reference, root, at), root, reference.GetString()!, depth + 1);
        if (schema.TryGetProperty("const", out var constant))
            return Literal(constant);
        if (schema.TryGetProperty("enum", out var members))
        {
            if (members.ValueKind != JsonValueKind.Array || members.GetArrayLength() == 0)
                throw new JsonSchemaException($"'enum' at {at} must be a non-empty array.");
            return OneOf(members.EnumerateArray().Select(m => (JsonNode)Literal(m)).ToList());
        }
        foreach (var combinator in new[] { "anyOf", "oneOf" })
        {
            if (!schema.TryGetProperty(combinator, out var options))
                continue;
            if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0)
                throw new JsonSchemaException($"'{combinator}' at {at} must be a non-empty array of schemas.");
            return OneOf(options.EnumerateArray().Select((o, i) => Compile(o, root, $"{at}/{combinator}/{i}", depth + 1)).ToList());
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            if (schema.TryGetProperty("properties", out _))
                return ObjectOf(schema, root, at, depth);
            if (schema.TryGetProperty("items", out _))
                return ArrayOf(schema, root, at, depth);
            return JsonNode.Any;
        }
        if (type.ValueKind == JsonValueKind.String)
            return OfType(type.GetString()!, schema, root, at, depth);
        if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0
            && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
            return OneOf(type.EnumerateArray().Select(t => OfType(t.GetString()!, schema, root, at, depth)).ToList());
        throw new JsonSchemaException($"'type' at {at} must be a type name or a list of them.");
    }

    private static JsonNode OfType(string type, JsonElement schema, JsonElement root, string at, int depth) => type switch
    {
        "object" => ObjectOf(schema, root, at, depth),
        "array" => ArrayOf(schema, root, at, depth),
        "string" => new StringNode(Count(schema, "minLength", 0, at), Count(schema, "maxLength", DefaultMaxLength, at)) is var s && s.MinLength > s.MaxLength
            ? throw new JsonSchemaException($"minLength is above maxLength at {at}.") : s,
        "number" => new NumberNode(Integer: false),
        "integer" => new NumberNode(Integer: true),
        "boolean" => OneOf([Literal("true"), Literal("false")]),
        "null" => Literal("null"),
        _ => throw new JsonSchemaException($"Unknown type '{type}' at {at}; use object, array, string, number, integer, boolean or null."),
    };

    private static JsonNode ObjectOf(JsonElement schema, JsonElement root, string at, int depth)
    {
        var properties = new List<JsonProperty>();
        if (schema.TryGetProperty("properties", out var declared))
        {
            if (declared.ValueKind != JsonValueKind.Object)
                throw new JsonSchemaException($"'properties' at {at} must be an object.");
            foreach (var p in declared.EnumerateObject())
                properties.Add(new JsonProperty(p.Name, EncodedKey(p.Name), Compile(p.Value, root, $"{at}/properties/{p.Name}", depth + 1)));
        }
        if (properties.Count > 64)
            throw new JsonSchemaException($"The object at {at} declares {properties.Count} properties; ChatWeb supports at most 64.");

        ulong required = 0;
        if (schema.TryGetProperty("required", out var names))
        {
            if (names.ValueKind != JsonValueKind.Array)
                throw new JsonSchemaException($"'required' at {at} must be an array of property names.");
            foreach (var name in names.EnumerateArray())
            {
                var index = properties.FindIndex(p => p.Name == name.GetString());
                if (index < 0)
                    throw new JsonSchemaException($"'required' at {at} names '{name}', which 'properties' does not declare.");
                required |= 1UL << index;
            }
        }

        JsonNode? additional = null;
        if (schema.TryGetProperty("additionalProperties", out var extra))
        {
            additional = extra.ValueKind switch
            {
                JsonValueKind.False => null,
                JsonValueKind.True => JsonNode.Any,
                JsonValueKind.Object => Compile(extra, root, $"{at}/additionalProperties", depth + 1),
                _ => throw new JsonSchemaException($"'additionalProperties' at {at} must be true, false or a schema."),
            };
        }
        else if (properties.Count == 0)
        {
            additional = JsonNode.Any; // {"type": "object"} alone: any object
        }
        return new ObjectNode(properties, required, additional);
    }

    private static JsonNode ArrayOf(JsonElement schema, JsonElement root, string at, int depth)
    {
        var items = schema.TryGetProperty("items", out var i) ? Compile(i, root, $"{at}/items", depth + 1) : JsonNode.Any;
        var min = Count(schema, "minItems", 0, at);
        var max = Count(schema, "maxItems", Math.Max(min, DefaultMaxItems), at);
        if (min > max)
            throw new JsonSchemaException($"minItems is above maxItems at {at}.");
        return new ArrayNode(items, min, max);
    }

    private static int Count(JsonElement schema, string keyword, int otherwise, string at)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return otherwise;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count) || count < 0)
            throw new JsonSchemaException($"'{keyword}' at {at} must be a non-negative integer.");
        return count;
    }

    private static JsonElement Resolve(JsonElement reference, JsonElement root, string at)
    {
        var path = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : "";
        if (!path.StartsWith("#/", StringComparison.Ordinal))
            throw new JsonSchemaException($"The $ref '{path}' at {at} is not supported; only references inside the schema (#/$defs/...) are.");
        var target = root;
        foreach (var segment in path[2..].Split('/'))
        {
            var name = segment.Replace("~1", "/").Replace("~0", "~");
            if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty(name, out target))
                throw new JsonSchemaException($"The $ref '{path}' at {at} points to nothing in the schema.");
        }
        return target;
    }

    private static JsonNode OneOf(List<JsonNode> options) => options.Count == 1 ? options[0] : new AnyOfNode(options);

    private static LiteralNode Literal(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            value.WriteTo(writer);
        return new LiteralNode(buffer.WrittenSpan.ToArray());
    }

    private static LiteralNode Literal(string json) => new(Encoding.UTF8.GetBytes(json));

    /// <summary>A property name as it stands between the quotes in JSON, one char per UTF-8 byte.</summary>
    public static string EncodedKey(string name) =>
        Encoding.Latin1.GetString(JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes);
}
