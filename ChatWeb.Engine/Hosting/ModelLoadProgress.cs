namespace ChatWeb.Engine.Hosting;

/// <summary>How far loading the model has come: the stage it is in and the weight bytes read into memory so far.</summary>
/// <param name="Stage">What is happening now, in words (one of the constants below).</param>
/// <param name="BytesRead">Weight bytes read into memory so far.</param>
/// <param name="BytesTotal">Weight bytes in the file; 0 until the file is open.</param>
public sealed record ModelLoadProgress(string Stage, long BytesRead, long BytesTotal)
{
    public const string Opening = "Opening the file";
    public const string ReadingConfig = "Reading the model's configuration";
    public const string CreatingSession = "Creating the ONNX Runtime session";
    public const string Checking = "Checking the model's shape";
    public const string BuildingTokenizer = "Building the tokenizer";
    public const string ReadingWeights = "Reading the weights into memory";
    public const string Starting = "Starting the inference scheduler";
    public const string Ready = "Ready";

    /// <summary>Time left, estimated from the reading speed so far; null until it can be estimated.</summary>
    public TimeSpan? Remaining { get; init; }

    /// <summary>Whole percent of the weights read, 0 to 100 (reading the weights is nearly all of the work).</summary>
    public int Percent => BytesTotal <= 0 ? 0 : (int)Math.Clamp(BytesRead * 100 / BytesTotal, 0, 100);
}
