namespace ChatWeb.ScaleOut;

/// <summary>
/// The notice that something every page shows has changed (today: the presets), for the pages open in this
/// process and, with Redis, in every other ChatWeb instance (<see cref="RedisChangeNotices"/>).
/// </summary>
public class ChangeNotices
{
    public const string Presets = "presets";

    /// <summary>Raised with the topic that changed, on a thread of the sender's or of the Redis subscription.</summary>
    public event Action<string>? Changed;

    public virtual void Publish(string topic) => Raise(topic);

    protected void Raise(string topic) => Changed?.Invoke(topic);
}
