/**
 * Which attributes can identify a patient, for masking in the tags panel. The list is the attributes of
 * PS3.15 Annex E, Table E.1-1 (the Basic Application Level Confidentiality Profile) that appear in
 * radiography files, by keyword (command-group, RT and print attributes are left to the class rules
 * below, which cover them); on top of it, whole classes are treated as identifying because the
 * profile removes or replaces nearly all of their members:
 *  - every private attribute (odd group), which may hold anything;
 *  - every person name (PN), date (DA), date-time (DT) and time (TM);
 *  - every UID except the ones that name a kind of thing (SOP classes, transfer syntaxes, coding schemes);
 *  - every free-text value (LT, ST, UT), where operators type names and notes;
 *  - overlay and curve data and comments (burned-in annotations);
 *  - everything inside a sequence that is itself identifying.
 * Erring this way only costs a click to reveal; erring the other way shows a name that should be masked.
 */

export const PHI_KEYWORDS: ReadonlySet<string> = new Set([
  'AccessionNumber', 'AcquisitionComments', 'AcquisitionContextSequence', 'AcquisitionDate', 'AcquisitionDateTime',
  'AcquisitionDeviceProcessingDescription', 'AcquisitionProtocolDescription', 'AcquisitionTime', 'ActualHumanPerformersSequence',
  'AdditionalPatientHistory', 'AdmissionID', 'AdmittingDate', 'AdmittingDiagnosesCodeSequence', 'AdmittingDiagnosesDescription',
  'AdmittingTime', 'Allergies', 'AuthorObserverSequence', 'BranchOfService', 'CassetteID',
  'ClinicalTrialCoordinatingCenterName', 'ClinicalTrialProtocolEthicsCommitteeApprovalNumber', 'ClinicalTrialProtocolEthicsCommitteeName',
  'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSeriesDescription', 'ClinicalTrialSeriesID',
  'ClinicalTrialSiteID', 'ClinicalTrialSiteName', 'ClinicalTrialSponsorName', 'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID',
  'ClinicalTrialTimePointDescription', 'ClinicalTrialTimePointID', 'CommentsOnThePerformedProcedureStep', 'ConcatenationUID',
  'ConfidentialityConstraintOnPatientDataDescription', 'ContentCreatorIdentificationCodeSequence', 'ContentCreatorName',
  'ContentDate', 'ContentSequence', 'ContentTime', 'ContextGroupExtensionCreatorUID', 'ContrastBolusAgent', 'ContributionDescription',
  'CountryOfResidence', 'CreatorVersionUID', 'CurrentPatientLocation', 'CurveDate', 'CurveTime', 'CustodialOrganizationSequence',
  'DataSetTrailingPadding', 'DateOfLastCalibration', 'DateOfSecondaryCapture', 'DerivationDescription', 'DetectorID',
  'DeviceSerialNumber', 'DeviceUID', 'DigitalSignatureUID', 'DigitalSignaturesSequence', 'DimensionOrganizationUID',
  'DischargeDiagnosisDescription', 'DistributionAddress', 'DistributionName', 'EthnicGroup',
  'FailedSOPInstanceUIDList', 'FiducialUID', 'FillerOrderNumberImagingServiceRequest', 'FrameComments', 'FrameOfReferenceUID',
  'GantryID', 'GeneratorID', 'GraphicAnnotationSequence', 'HumanPerformerName', 'HumanPerformerOrganization', 'IconImageSequence',
  'IdentifyingComments', 'ImageComments', 'ImagePresentationComments', 'ImagingServiceRequestComments', 'Impressions',
  'InstanceCoercionDateTime', 'InstanceCreationDate', 'InstanceCreationTime', 'InstanceCreatorUID', 'InstitutionAddress',
  'InstitutionCodeSequence', 'InstitutionName', 'InstitutionalDepartmentName', 'InstitutionalDepartmentTypeCodeSequence',
  'InsurancePlanIdentification', 'IntendedRecipientsOfResultsIdentificationSequence', 'InterpretationApproverSequence',
  'InterpretationAuthor', 'InterpretationDiagnosisDescription', 'InterpretationIDIssuer', 'InterpretationRecorder',
  'InterpretationText', 'InterpretationTranscriber', 'IrradiationEventUID', 'IssuerOfAdmissionIDSequence', 'IssuerOfPatientID',
  'IssuerOfPatientIDQualifiersSequence', 'IssuerOfServiceEpisodeIDSequence', 'LargePaletteColorLookupTableUID', 'LastMenstrualDate',
  'MAC', 'MediaStorageSOPInstanceUID', 'MedicalAlerts', 'MedicalRecordLocator', 'MilitaryRank', 'ModifiedAttributesSequence',
  'ModifyingDeviceID', 'NameOfPhysiciansReadingStudy', 'NamesOfIntendedRecipientsOfResults', 'Occupation',
  'OperatorIdentificationSequence', 'OperatorsName', 'OrderCallbackPhoneNumber', 'OrderEnteredBy', 'OrderEntererLocation',
  'OriginalAttributesSequence', 'OtherPatientIDs', 'OtherPatientIDsSequence', 'OtherPatientNames', 'OverlayComments', 'OverlayData',
  'OverlayDate', 'OverlayTime', 'ParticipantSequence', 'PatientAddress', 'PatientAge', 'PatientBirthDate', 'PatientBirthName',
  'PatientBirthTime', 'PatientComments', 'PatientID', 'PatientInstitutionResidence', 'PatientInsurancePlanCodeSequence',
  'PatientMotherBirthName', 'PatientName', 'PatientPrimaryLanguageCodeSequence', 'PatientPrimaryLanguageModifierCodeSequence',
  'PatientReligiousPreference', 'PatientSex', 'PatientSexNeutered', 'PatientSize', 'PatientState', 'PatientTelephoneNumbers',
  'PatientTransportArrangements', 'PatientWeight', 'PerformedLocation', 'PerformedProcedureStepDescription',
  'PerformedProcedureStepEndDate', 'PerformedProcedureStepEndTime', 'PerformedProcedureStepID', 'PerformedProcedureStepStartDate',
  'PerformedProcedureStepStartTime', 'PerformedStationAETitle', 'PerformedStationGeographicLocationCodeSequence',
  'PerformedStationName', 'PerformedStationNameCodeSequence', 'PerformingPhysicianIdentificationSequence', 'PerformingPhysicianName',
  'PersonAddress', 'PersonIdentificationCodeSequence', 'PersonName', 'PersonTelephoneNumbers', 'PhysicianApprovingInterpretation',
  'PhysiciansOfRecord', 'PhysiciansOfRecordIdentificationSequence', 'PhysiciansReadingStudyIdentificationSequence',
  'PlacerOrderNumberImagingServiceRequest', 'PlateID', 'PreMedication', 'PregnancyStatus', 'ProtocolName',
  'ReasonForTheImagingServiceRequest', 'ReasonForStudy', 'ReferencedDigitalSignatureSequence', 'ReferencedImageSequence', 'ReferencedPatientAliasSequence', 'ReferencedPatientSequence', 'ReferencedPerformedProcedureStepSequence',
  'ReferencedSOPInstanceMACSequence', 'ReferencedSOPInstanceUID', 'ReferencedSOPInstanceUIDInFile', 'ReferencedStudySequence',
  'ReferringPhysicianAddress', 'ReferringPhysicianIdentificationSequence', 'ReferringPhysicianName',
  'ReferringPhysicianTelephoneNumbers', 'RegionOfResidence', 'RequestAttributesSequence',
  'RequestedContrastAgent', 'RequestedProcedureComments', 'RequestedProcedureDescription', 'RequestedProcedureID',
  'RequestedProcedureLocation', 'RequestingPhysician', 'RequestingService', 'ResponsibleOrganization',
  'ResponsiblePerson', 'ResultsComments', 'ResultsDistributionListSequence', 'ResultsIDIssuer', 'ScheduledHumanPerformersSequence', 'ScheduledPatientInstitutionResidence', 'ScheduledPerformingPhysicianIdentificationSequence',
  'ScheduledPerformingPhysicianName', 'ScheduledProcedureStepDescription', 'ScheduledProcedureStepEndDate',
  'ScheduledProcedureStepEndTime', 'ScheduledProcedureStepLocation', 'ScheduledProcedureStepStartDate',
  'ScheduledProcedureStepStartTime', 'ScheduledStationAETitle', 'ScheduledStationGeographicLocationCodeSequence',
  'ScheduledStationName', 'ScheduledStationNameCodeSequence', 'ScheduledStudyLocation', 'ScheduledStudyLocationAETitle',
  'SeriesDate', 'SeriesDescription', 'SeriesInstanceUID', 'SeriesTime', 'ServiceEpisodeDescription', 'ServiceEpisodeID',
  'SmokingStatus', 'SOPInstanceUID', 'SoftwareVersions', 'SourceApplicationEntityTitle', 'SourceImageSequence', 'SpecialNeeds',
  'StationName', 'StorageMediaFileSetUID', 'StudyComments', 'StudyDate', 'StudyDescription', 'StudyID', 'StudyIDIssuer',
  'StudyInstanceUID', 'StudyTime', 'SynchronizationFrameOfReferenceUID', 'TargetUID', 'TelephoneNumberTrial',
  'TemplateExtensionCreatorUID', 'TemplateExtensionOrganizationUID', 'TimeOfLastCalibration',
  'TimeOfSecondaryCapture', 'TimezoneOffsetFromUTC', 'TopicAuthor', 'TopicKeywords', 'TopicSubject', 'TopicTitle',
  'TransactionUID', 'UID', 'VerifyingObserverIdentificationCodeSequence', 'VerifyingObserverName', 'VerifyingObserverSequence',
  'VerifyingOrganization', 'VisitComments',
]);

/** UIDs that name a kind of object or encoding, the same in every file of that kind. */
const NON_IDENTIFYING_UIDS: ReadonlySet<string> = new Set([
  'TransferSyntaxUID', 'ImplementationClassUID', 'CodingSchemeUID', 'MappingResourceUID', 'PrivateInformationCreatorUID',
]);

const IDENTIFYING_VRS: ReadonlySet<string> = new Set(['PN', 'DA', 'DT', 'TM', 'LT', 'ST', 'UT']);

/** Whether an attribute can identify a patient. `keyword` is '' for tags outside the dictionary. */
export function isPhi(tag: number, vr: string, keyword: string): boolean {
  const group = tag >>> 16;
  if (group & 1) return true;
  if ((group & 0xff00) === 0x5000 || (group & 0xff00) === 0x6000) {
    const el = tag & 0xffff;
    if (el === 0x3000 || el === 0x4000 || (group & 0xff00) === 0x5000) return true;
  }
  if (PHI_KEYWORDS.has(keyword)) return true;
  if (IDENTIFYING_VRS.has(vr)) return true;
  if (vr === 'UI') return !(keyword.endsWith('ClassUID') || NON_IDENTIFYING_UIDS.has(keyword));
  return false;
}
