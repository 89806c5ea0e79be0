using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatWeb.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The database (SQLite under the data folder, or PostgreSQL), its stores, and the session store that uses it.</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<StorageOptions>(StorageOptions.Section);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatDatabase>(services =>
        {
            var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (options.Provider == StorageProvider.Postgres)
                return new PostgresChatDatabase(options.ConnectionString!);
            var folder = StorageOptions.ResolveDataFolder(options.DataFolder, builder.Environment.ContentRootPath);
            return new SqliteChatDatabase(Path.Combine(folder, options.DatabaseFile));
        });
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<PromptHistoryStore>();
        builder.Services.AddSingleton<PresetStore>();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<SessionActivityStore>();
        builder.Services.AddSingleton<ApiConversationStore>();
        builder.Services.TryAddSingleton<IDistributedCache, DatabaseDistributedCache>();
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    /// <summary>The data folder as configured, as a full path (for other subsystems' files, e.g. keys).</summary>
    public static string DataFolder(this WebApplicationBuilder builder) => StorageOptions.ResolveDataFolder(
        builder.Configuration[$"{StorageOptions.Section}:DataFolder"] ?? new StorageOptions().DataFolder,
        builder.Environment.ContentRootPath);
}
