// Cell renderers for dash-ag-grid (a button that reports which row was clicked).
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.RowButton = function (props) {
  function onClick() {
    props.setData({key: props.data && props.data.warning_key, at: Date.now()});
  }
  if (!props.data || props.data.decided) {
    return React.createElement("span", {className: "jz-grid-note"}, props.value || "");
  }
  return React.createElement("button", {onClick: onClick, className: "jz-grid-button"},
                             props.colDef.cellRendererParams.label);
};
