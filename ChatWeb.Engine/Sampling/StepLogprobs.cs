namespace ChatWeb.Engine.Sampling;

/// <summary>
/// The model's log-probabilities at one step: of the token chosen and of the most likely tokens. They are
/// the model's own distribution (log-softmax of the raw logits), before the repetition penalty, the
/// temperature, top-k/top-p and any output constraint: what the model thought, not what the sampler did.
/// </summary>
/// <param name="Token">The token chosen.</param>
/// <param name="Logprob">Its natural-log probability.</param>
/// <param name="Top">The most likely tokens, most likely first (as many as asked, at most 20).</param>
public sealed record StepLogprobs(int Token, float Logprob, IReadOnlyList<(int Token, float Logprob)> Top)
{
    /// <summary>The most alternatives a request may ask for (OpenAI's limit for <c>top_logprobs</c>).</summary>
    public const int MaxTop = 20;

    /// <summary>Computes the log-probabilities of <paramref name="token"/> and the <paramref name="top"/> most likely tokens from <paramref name="logits"/>.</summary>
    public static StepLogprobs From(ReadOnlySpan<float> logits, int token, int top)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, MaxTop);
        // log p(i) = logit(i) - log Σ exp(logit(j)), computed around the largest logit to stay finite
        var max = float.NegativeInfinity;
        foreach (var l in logits)
            max = Math.Max(max, l);
        var sum = 0.0;
        foreach (var l in logits)
            sum += Math.Exp(l - max);
        var logSum = max + (float)Math.Log(sum);

        // the best few by insertion into a short sorted list
        var ids = new int[top];
        var values = new float[top];
        var count = 0;
        for (var i = 0; i < logits.Length && top > 0; i++)
        {
            var l = logits[i];
            if (count == top && l <= values[count - 1])
                continue;
            var at = Math.Min(count, top - 1);
            while (at > 0 && values[at - 1] < l)
            {
                ids[at] = ids[at - 1];
                values[at] = values[at - 1];
                at--;
            }
            ids[at] = i;
            values[at] = l;
            count = Math.Min(count + 1, top);
        }
        var best = new (int, float)[count];
        for (var i = 0; i < count; i++)
            best[i] = (ids[i], values[i] - logSum);
        return new StepLogprobs(token, logits[token] - logSum, best);
    }
}
