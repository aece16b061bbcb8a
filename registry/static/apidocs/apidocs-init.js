// Starts Swagger UI on the registry's OpenAPI document. It is a file rather than an inline
// script so the page's Content-Security-Policy needs no 'unsafe-inline' (registry/api_docs.py).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    // Relative to the page, so a reverse proxy's path prefix is kept.
    url: new URL(root.dataset.specUrl, document.baseURI).href,
    domNode: root,
    deepLinking: true,
    // No badge from validator.swagger.io: the page talks to the registry only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
