namespace ChatWeb.Engine.Constraints;

/// <summary>
/// Limits which tokens a generation may choose, step by step (constrained decoding): before each draw the
/// scheduler asks it to mask the logits of the tokens that would break the constraint, and after the draw
/// tells it which token was chosen. One instance per generation, used only by the scheduler's loop once submitted.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Sets the logit of every token not allowed next to negative infinity (stop tokens are allowed only where the output may end).</summary>
    void Mask(Span<float> logits);

    /// <summary>Advances past <paramref name="token"/>, which <see cref="Mask"/> allowed.</summary>
    void Accept(int token);
}
