namespace ChatWeb.Engine.Hosting;

/// <summary>How far loading the model has come: the stage it is in and the weight bytes read into memory so far.</summary>
/// <param name="Stage">What is happening now, in words (one of the constants below).</param>
/// <param name="BytesRead">Weight bytes read into memory so far.</param>
/// <param name="BytesTotal">Weight bytes in the file; 0 until the file is open.</param>
public sealed record ModelLoadProgress(string Stage, long BytesRead, long BytesTotal)
{
    /// <summary>Stage: opening the file and reading its header.</summary>
    public const string Opening = "Opening the file";
    /// <summary>Stage (ONNX models): reading genai_config.json.</summary>
    public const string ReadingConfig = "Reading the model's configuration";
    /// <summary>Stage (ONNX models): creating the ONNX Runtime session.</summary>
    public const string CreatingSession = "Creating the ONNX Runtime session";
    /// <summary>Stage: checking the tensors against the architecture.</summary>
    public const string Checking = "Checking the model's shape";
    /// <summary>Stage: building the tokenizer and the chat template.</summary>
    public const string BuildingTokenizer = "Building the tokenizer";
    /// <summary>Stage: reading the weights into memory (most of the time).</summary>
    public const string ReadingWeights = "Reading the weights into memory";
    /// <summary>Stage: starting the inference scheduler.</summary>
    public const string Starting = "Starting the inference scheduler";
    /// <summary>Stage (ONNX models): the model is ready.</summary>
    public const string Ready = "Ready";

    /// <summary>Time left, estimated from the reading speed so far; null until it can be estimated.</summary>
    public TimeSpan? Remaining { get; init; }

    /// <summary>Whole percent of the weights read, 0 to 100 (reading the weights is nearly all of the work).</summary>
    public int Percent => BytesTotal <= 0 ? 0 : (int)Math.Clamp(BytesRead * 100 / BytesTotal, 0, 100);
}
