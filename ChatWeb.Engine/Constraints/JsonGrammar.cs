using System.Text.Json;

namespace ChatWeb.Engine.Constraints;

/// <summary>
/// What JSON a model may write under constrained decoding: any object (OpenAI's <c>json_object</c>) or the
/// values a JSON schema allows (<c>json_schema</c>; see <see cref="FromSchema"/> for the keywords supported).
/// The engine masks every token that would leave the grammar, so the output parses and validates.
/// </summary>
public sealed class JsonGrammar
{
    private JsonGrammar(JsonNode root) => Root = root;

    internal JsonNode Root { get; }

    /// <summary>Any JSON object.</summary>
    public static JsonGrammar AnyObject { get; } = new(new ObjectNode([], 0, JsonNode.Any));

    /// <summary>
    /// The values <paramref name="schema"/> allows. Supported: <c>type</c> (one or a list), <c>properties</c>,
    /// <c>required</c>, <c>additionalProperties</c>, <c>enum</c>, <c>const</c>, <c>minLength</c>/<c>maxLength</c>,
    /// <c>items</c>/<c>minItems</c>/<c>maxItems</c>, <c>anyOf</c>/<c>oneOf</c>, and non-recursive <c>$ref</c>s into
    /// <c>$defs</c>. Undeclared properties are not generated unless <c>additionalProperties</c> allows them; strings
    /// without maxLength stop at 2000 characters, arrays without maxItems at 100 items.
    /// </summary>
    /// <exception cref="JsonSchemaException">The schema is invalid or limits values in a way ChatWeb cannot guarantee (pattern, minimum, ...); the message says where.</exception>
    public static JsonGrammar FromSchema(JsonElement schema) => new(JsonSchemaCompiler.Compile(schema));

    /// <summary>One of several values: a grammar that allows what any of <paramref name="grammars"/> allows.</summary>
    internal static JsonGrammar AnyOf(IReadOnlyList<JsonGrammar> grammars) =>
        grammars.Count == 1 ? grammars[0] : new(new AnyOfNode(grammars.Select(g => g.Root).ToList()));

    /// <summary>An object with exactly these required properties (a tool call: name and arguments).</summary>
    internal static JsonGrammar ObjectOf(params (string Name, JsonNode Value)[] properties) =>
        new(new ObjectNode(
            properties.Select(p => new JsonProperty(p.Name, JsonSchemaCompiler.EncodedKey(p.Name), p.Value)).ToList(),
            (1UL << properties.Length) - 1, null));

    /// <summary>The recognizer's first state: optional fixed text, leading whitespace and the value, optional fixed text, then the end.</summary>
    internal JsonFrame Start(byte[]? before = null, byte[]? after = null)
    {
        JsonFrame frame = new EndFrame();
        if (after is { Length: > 0 })
            frame = new LiteralFrame(after, 0, frame);
        frame = new ValueFrame(Root, 0, frame);
        if (before is { Length: > 0 })
            frame = new LiteralFrame(before, 0, frame);
        return frame;
    }
}
