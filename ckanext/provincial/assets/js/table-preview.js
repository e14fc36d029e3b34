/*
 * The table preview (CKAN's datatables_view) on the agencies' tables.
 *
 * CKAN's datatablesview.js names each column's data by its DataStore id, and
 * DataTables reads such a name as a path: "ปี พ.ศ." as the property "ศ" of
 * "ปี พ", "งบประมาณ [บาท]" as an array, so those columns showed empty. This
 * script runs before the view's module starts and adapts the options the module
 * gives DataTables, leaving the rest of the view as CKAN made it:
 *
 *  - each column reads its value by its id, whatever characters the id holds
 *    (the column's name, which the server uses to search it, stays the id);
 *  - numbers (DataStore types int, numeric, float...) are right-aligned; the
 *    server sorts them as numbers, by column position;
 *  - the sort line under the table (also in printouts) names columns by their
 *    headers, the Data Dictionary labels, not by their ids;
 *  - columns are measured again once the Thai web font has loaded, which
 *    widens the headers after DataTables has sized the body.
 */
/* global gdataDict gsortInfo */
(function ($) {
  "use strict";

  var NUMERIC_TYPES = ["int", "int2", "int4", "int8", "integer", "smallint", "bigint",
                       "numeric", "float", "float4", "float8", "real", "double precision", "money"];

  function columnTypes() {
    var types = {};
    (typeof gdataDict === "undefined" ? [] : gdataDict).forEach(function (field) {
      types[field.id] = field.type;
    });
    return types;
  }

  function byKey(key) {
    return function (row, type, value) {
      if (type === "set") {
        row[key] = value;
        return;
      }
      return row[key];
    };
  }

  function adaptColumns(columns) {
    var types = columnTypes();
    columns.forEach(function (column) {
      if (typeof column.data !== "string" || !(column.data in types)) {
        return;  // _id and the list view's spacer column
      }
      column.data = byKey(column.data);
      if (NUMERIC_TYPES.indexOf(types[column.name]) !== -1) {
        column.className = ((column.className || "") + " dt-body-right").trim();
      }
    });
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function header(api, index) {
    var label = $(api.column(index).header()).find(".provincial-column-label");
    return (label.length ? label : $(api.column(index).header())).text().replace(/\s+/g, " ").trim();
  }

  // The same line as CKAN's, with the columns' headers.
  function sortLine(api) {
    var _ = window.ckan.i18n._;
    var line = "<b> " + escapeHtml(_("Sort")) + '</b> <i id="sortinfoicon" class="fa fa-info-circle" title="' +
      escapeHtml(_("Press SHIFT key while clicking on\nsort control for multi-column sort")) + '"></i> : ';
    api.order().forEach(function (sort) {
      line += escapeHtml(header(api, sort[0])) +
        (sort[1] === "asc" ? ' <span class="fa fa-sort-amount-asc"></span> '
                           : ' <span class="fa fa-sort-amount-desc"></span> ');
    });
    return line;
  }

  var DataTable = $.fn.DataTable;
  $.fn.DataTable = $.extend(function (options) {
    var preview = this.is("#dtprv") && options && $.isArray(options.columns);
    if (preview) {
      adaptColumns(options.columns);
    }
    var api = DataTable.apply(this, arguments);
    if (preview) {
      api.on("draw.provincial", function () {
        if (!api.order().length) {
          return;
        }
        var line = sortLine(api);
        if (typeof gsortInfo !== "undefined") {
          gsortInfo = line;  // what CKAN's view prints and copies
        }
        $("div.sortinfo").html(line);
      });
      api.one("init.provincial", function () {
        if (document.fonts && document.fonts.ready) {
          document.fonts.ready.then(function () { api.columns.adjust(); });
        }
      });
    }
    return api;
  }, DataTable);
})(window.jQuery);
