// Submits the form_post answer to the application. The page works without it (Continue button).
(function () {
  var form = document.getElementById("form_post");
  if (form) {
    form.submit();
  }
})();
