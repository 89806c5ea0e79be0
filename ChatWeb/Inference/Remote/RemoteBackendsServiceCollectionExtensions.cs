using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Remote;

internal static class RemoteBackendsServiceCollectionExtensions
{
    /// <summary>Registers <c>ChatWeb:Backends</c> (checked at start-up), the remote models and the <see cref="ModelCatalog"/>.</summary>
    public static WebApplicationBuilder AddRemoteBackends(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<BackendsOptions>(BackendsOptions.Section);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackendsOptions>, BackendsValidator>());
        builder.Services.AddSingleton<RemoteBackends>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<Chat.IModelCatalog>(sp => sp.GetRequiredService<ModelCatalog>());
        return builder;
    }
}
