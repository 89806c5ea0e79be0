using ChatWeb.Engine.Local;

namespace ChatWeb.Engine.Hosting;

/// <summary>
/// Loads the configured model, reporting its progress as it goes (<see cref="LocalModel.Load"/>;
/// tests register their own to hold a load at a given point).
/// </summary>
internal delegate LocalModel ModelLoad(ModelOptions options, Action<ModelLoadProgress> report, CancellationToken cancellationToken);
