namespace ChatWeb.Engine.Onnx;

/// <summary>An ONNX Runtime GenAI model folder that cannot be used; the message says what is wrong and what to do.</summary>
public sealed class OnnxModelException(string message, Exception? inner = null) : Exception(message, inner);
