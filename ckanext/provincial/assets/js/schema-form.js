/* provincial-field: show a dataset or resource form field only when it applies.
 *
 * On the wrapper the form field snippet puts around such a field:
 *   data-provincial-data-types='["ข้อมูลสถิติ"]'  only while the form's data_type is one of these
 *   data-provincial-other-of="objective"         only while that field has its "other" value
 *   data-provincial-other-value="อื่นๆ"            (the "other" value; default อื่นๆ)
 *
 * Without JavaScript every field stays visible, labelled with the data types it
 * is for, and the server requires a type's fields for that type only.
 */
this.ckan.module("provincial-field", function ($) {
  "use strict";

  function flatten(values) {
    return [].concat.apply([], values.map(function (value) {
      return $.isArray(value) ? value : [value];
    }));
  }

  return {
    initialize: function () {
      var el = this.el;
      var form = el.closest("form");
      var types = el.data("provincialDataTypes");
      var otherOf = el.data("provincialOtherOf");
      var otherValue = String(el.data("provincialOtherValue") || "อื่นๆ");

      function chosen(name) {
        return flatten(form.find("[name='" + name + "']").filter(function () {
          return (this.type === "checkbox" || this.type === "radio") ? this.checked : true;
        }).map(function () {
          return $(this).val();
        }).get()).filter(function (value) {
          return value !== null && value !== "";
        });
      }

      function update() {
        var show = true;
        if (types && types.length) {
          show = types.indexOf(chosen("data_type")[0]) !== -1;
        }
        if (show && otherOf) {
          show = chosen(otherOf).indexOf(otherValue) !== -1;
        }
        el.prop("hidden", !show);
      }

      var watched = ["[name='data_type']"];
      if (otherOf) {
        watched.push("[name='" + otherOf + "']");
      }
      form.on("change", watched.join(", "), update);
      update();
    }
  };
});
