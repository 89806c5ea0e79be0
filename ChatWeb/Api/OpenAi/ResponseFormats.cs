using System.Text.Json;
using ChatWeb.Engine.Constraints;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// OpenAI's <c>response_format</c>: <c>text</c>, <c>json_object</c> (any JSON object) or <c>json_schema</c>
/// (values of the schema; <c>strict</c> or not, ChatWeb's engine enforces it by constrained decoding). The schema is
/// checked here, with the engine's own compiler, so an unsupported one is a 400 before anything runs.
/// </summary>
internal static class ResponseFormats
{
    /// <summary>Null when <paramref name="value"/> is a valid format (<paramref name="format"/> then holds it, null for text); else the problem.</summary>
    public static CompletionTranslator.Problem? Check(JsonElement? value, out ChatResponseFormat? format)
    {
        format = null;
        if (value is not { } v || v.ValueKind == JsonValueKind.Null)
            return null;
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("type", out var type))
            return new("response_format", "Must be an object with a type: text, json_object or json_schema.");
        switch (JsonText.Read(type))
        {
            case "text":
                return null;
            case "json_object":
                format = ChatResponseFormat.Json;
                return null;
            case "json_schema":
                if (!v.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object)
                    return new("response_format.json_schema", "Required with type json_schema: {\"name\": ..., \"schema\": {...}}.");
                if (!spec.TryGetProperty("name", out var name) || JsonText.Read(name) is not { Length: > 0 } schemaName)
                    return new("response_format.json_schema.name", "Required: the schema's name.");
                if (!spec.TryGetProperty("schema", out var schema))
                    return new("response_format.json_schema.schema", "Required: the JSON schema the answer must match.");
                try
                {
                    JsonGrammar.FromSchema(schema);
                }
                catch (JsonSchemaException e)
                {
                    return new("response_format.json_schema.schema", e.Message);
                }
                var description = spec.TryGetProperty("description", out var d) ? JsonText.Read(d) : null;
                format = ChatResponseFormat.ForJsonSchema(schema.Clone(), schemaName, description);
                return null;
            default:
                return new("response_format.type", "Must be text, json_object or json_schema.");
        }
    }
}
