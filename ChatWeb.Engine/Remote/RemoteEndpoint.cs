using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Remote;

/// <summary>
/// One server that runs a remote model: its address (for messages and the admin page), the chat client that
/// talks to it, and a health probe. The engine knows no wire protocol; the application builds the client
/// (an OpenAI-compatible one, say) and the probe (a cheap request that throws when the server is not well).
/// </summary>
/// <param name="Address">Where the server is, as shown to people (a base URL).</param>
/// <param name="Client">Streams answers from this server; its default model is the remote model's id there.</param>
/// <param name="Probe">Throws when the server does not answer well; completes when it does.</param>
public sealed record RemoteEndpoint(string Address, IChatClient Client, Func<CancellationToken, Task> Probe);
