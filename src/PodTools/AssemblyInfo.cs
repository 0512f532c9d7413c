// Module assembly: cmdlets over PodTools.Engine.
