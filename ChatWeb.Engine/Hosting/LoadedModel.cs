using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Hosting;

/// <summary>What exists once a model has loaded: the model, the one scheduler over it, its chat client and its exact token counter.</summary>
/// <param name="Model">The loaded model (ChatWeb's GGUF model or an ONNX Runtime GenAI model); freed with the host.</param>
internal sealed record LoadedModel(IDisposable Model, IGenerationScheduler Scheduler, IChatClient Client, ITokenCounter Tokens);
