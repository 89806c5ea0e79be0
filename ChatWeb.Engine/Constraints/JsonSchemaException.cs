namespace ChatWeb.Engine.Constraints;

/// <summary>A JSON schema ChatWeb cannot constrain output to: invalid, or using a keyword it does not support. The message says which and where.</summary>
public sealed class JsonSchemaException(string message) : Exception(message);
