namespace ChatWeb.Inference.Model;

/// <summary>
/// One token fed to one sequence in <see cref="Transformer.Forward"/>: prompt chunks and decoded
/// tokens of different sequences may share a step. Rows of one sequence take consecutive positions
/// in the order given.
/// </summary>
/// <param name="Sequence">whose cache the token goes into</param>
/// <param name="Token">the token id</param>
/// <param name="WantLogits">whether the step writes this row's next-token logits</param>
internal readonly record struct StepRow(Sequence Sequence, int Token, bool WantLogits);
