// Swagger UI on the mock's own copy of the contract (./try-it.json): its Servers box holds this mock's URL, the
// default world's key and token are filled in, and a Prefer parameter forces any documented response.
window.addEventListener("load", () => {
  const ui = SwaggerUIBundle({
    url: "./try-it.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    onComplete: () => {
      const credentials = ui.specSelectors.specJson().get("x-mock-credentials");
      if (credentials) {
        credentials.forEach((value, scheme) => ui.preauthorizeApiKey(scheme, value));
      }
    },
  });
  window.ui = ui;
});
