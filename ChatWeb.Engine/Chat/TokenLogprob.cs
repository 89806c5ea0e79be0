namespace ChatWeb.Engine.Chat;

/// <summary>
/// One generated token with the model's log-probability of it (the model's own distribution, before the
/// sampler's temperature and any output constraint; see <see cref="Sampling.StepLogprobs"/>), and the most
/// likely tokens at that step when they were asked for.
/// </summary>
/// <param name="Token">The token's text (invalid UTF-8 pieces of a character decode to U+FFFD; <paramref name="Bytes"/> has them exactly).</param>
/// <param name="Bytes">The token's UTF-8 bytes.</param>
/// <param name="Logprob">The natural-log probability.</param>
/// <param name="TopLogprobs">The most likely tokens, most likely first; empty for the alternatives themselves.</param>
public sealed record TokenLogprob(string Token, byte[] Bytes, double Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);
