using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatWeb.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The SQLite database under the data folder, its stores, and the session store that uses it.</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<StorageOptions>(StorageOptions.Section);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var folder = StorageOptions.ResolveDataFolder(options.DataFolder, builder.Environment.ContentRootPath);
            return new ChatDatabase(Path.Combine(folder, options.DatabaseFile));
        });
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<PromptHistoryStore>();
        builder.Services.AddSingleton<PresetStore>();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<SessionActivityStore>();
        builder.Services.AddSingleton<IDistributedCache, SqliteDistributedCache>();
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    /// <summary>The data folder as configured, as a full path (for other subsystems' files, e.g. keys).</summary>
    public static string DataFolder(this WebApplicationBuilder builder) => StorageOptions.ResolveDataFolder(
        builder.Configuration[$"{StorageOptions.Section}:DataFolder"] ?? new StorageOptions().DataFolder,
        builder.Environment.ContentRootPath);
}
