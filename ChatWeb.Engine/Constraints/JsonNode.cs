namespace ChatWeb.Engine.Constraints;

/// <summary>What a JSON value may be, compiled from a JSON schema: the grammar the <see cref="JsonFrame"/>s walk.</summary>
internal abstract record JsonNode
{
    /// <summary>Any JSON value (no schema, or <c>true</c>).</summary>
    public static readonly JsonNode Any = new AnyNode();
}

/// <summary>Any JSON value at all.</summary>
internal sealed record AnyNode : JsonNode;

/// <summary>Exactly these bytes (a <c>const</c>, an <c>enum</c> member, true, false, null), in compact JSON.</summary>
internal sealed record LiteralNode(byte[] Text) : JsonNode;

/// <summary>A string of <paramref name="MinLength"/> to <paramref name="MaxLength"/> characters.</summary>
internal sealed record StringNode(int MinLength, int MaxLength) : JsonNode;

/// <summary>A number; with <paramref name="Integer"/>, no fraction or exponent.</summary>
internal sealed record NumberNode(bool Integer) : JsonNode;

/// <summary>An array of <paramref name="MinItems"/> to <paramref name="MaxItems"/> values matching <paramref name="Items"/>.</summary>
internal sealed record ArrayNode(JsonNode Items, int MinItems, int MaxItems) : JsonNode;

/// <summary>One of several alternatives (<c>anyOf</c>, <c>oneOf</c>, a list of types, an <c>enum</c>).</summary>
internal sealed record AnyOfNode(IReadOnlyList<JsonNode> Options) : JsonNode;

/// <summary>
/// An object with declared <paramref name="Properties"/> (at most 64; those in <paramref name="Required"/>, a bit
/// per property, must appear) and, when <paramref name="Additional"/> is not null, other keys with values matching it.
/// </summary>
internal sealed record ObjectNode(IReadOnlyList<JsonProperty> Properties, ulong Required, JsonNode? Additional) : JsonNode;

/// <summary>A declared property: its name as JSON writes it between the quotes (one char per UTF-8 byte), and its value's grammar.</summary>
internal sealed record JsonProperty(string Name, string EncodedKey, JsonNode Value);
